// Keep the developer's real home and Claude config out of every test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-test-home-'));
process.env.HOME = sandbox;
process.env.XDG_CONFIG_HOME = path.join(sandbox, '.config');
process.env.XDG_DATA_HOME = path.join(sandbox, '.local', 'share');
process.env.XDG_CACHE_HOME = path.join(sandbox, '.cache');
process.env.XDG_STATE_HOME = path.join(sandbox, '.local', 'state');
delete process.env.CLAUDE_CONFIG_DIR;
process.env.TZ = 'UTC';
process.env.NO_COLOR = '1';
// A first run over a large tree (the shared corpus) would answer directly and
// fill the store in a detached process; tests that check the store want it
// filled by the run itself. test/background-index.test.ts turns it back on.
process.env.CACHELENS_BACKGROUND_INDEX = '0';
