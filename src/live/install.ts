// `cachelens install-statusline`: print, or write into Claude Code's
// settings.json, the `statusLine` entry that runs `cachelens statusline`.
import fs from 'node:fs';
import path from 'node:path';

/** The settings.json fragment: `{ statusLine: { type: 'command', command: 'cachelens statusline' } }`. */
export function statuslineSnippet(): { statusLine: { type: 'command'; command: string } } {
  return { statusLine: { type: 'command', command: 'cachelens statusline' } };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Without `write`: the text to add to settings.json. With `write`: sets only
 * `statusLine` in the file (other keys untouched), after copying the file to
 * `settings.json.bak-<timestamp>`. Refuses, without writing, when the file is
 * not a JSON object. Returns a message for the user; never throws.
 */
export function installStatusline(settingsPath: string, write: boolean): string {
  const snippet = statuslineSnippet();
  const text = JSON.stringify(snippet, null, 2);
  if (!write) {
    return `Add this to ${settingsPath} (or run: cachelens install-statusline --write):\n${text}`;
  }
  let before: string | null = null;
  try {
    before = fs.readFileSync(settingsPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `Could not read ${settingsPath} (${(err as Error).message}); nothing was changed.`;
  }
  let settings: Record<string, unknown> = {};
  if (before !== null && before.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(before);
    } catch {
      return `${settingsPath} is not valid JSON, so cachelens left it alone. Fix it, or add this by hand:\n${text}`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return `${settingsPath} does not hold a JSON object, so cachelens left it alone. Add this by hand:\n${text}`;
    }
    settings = parsed as Record<string, unknown>;
  }
  const old = settings.statusLine;
  if (JSON.stringify(old) === JSON.stringify(snippet.statusLine)) return `${settingsPath} already runs cachelens statusline; nothing to do.`;
  try {
    let backup: string | null = null;
    if (before !== null) {
      backup = `${settingsPath}.bak-${stamp(new Date())}`;
      fs.copyFileSync(settingsPath, backup);
    } else {
      fs.mkdirSync(path.dirname(settingsPath), { recursive: true });
    }
    settings.statusLine = snippet.statusLine;
    fs.writeFileSync(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
    const replaced = old === undefined ? '' : ` (it replaces the previous statusLine ${JSON.stringify(old)})`;
    return `Wrote statusLine to ${settingsPath}${replaced}.${backup ? ` Backup: ${backup}` : ''}`;
  } catch (err) {
    return `Could not write ${settingsPath} (${(err as Error).message}).`;
  }
}
