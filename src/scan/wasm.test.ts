// The committed binary of the WebAssembly walk must be walk.wat assembled:
// scripts/build-wasm.mjs writes it, and --check fails when they differ.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('walk.wat', () => {
  it('is what _walk-wasm.ts holds (scripts/build-wasm.mjs --check)', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-wasm.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
