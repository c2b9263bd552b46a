/**
 * Test plumbing shared by the oracle and real-lines tests: where the repo, the
 * shared data and the built CLI are, and how to run the CLI as a child process.
 * Nothing here reads src/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared, next to the repo; read at run time, never copied in. */
export const sharedDir = path.resolve(repoRoot, '../shared');
export const claudeHome = path.join(sharedDir, 'data', 'claude-home');
export const amplifyTool = path.join(sharedDir, 'tools', 'amplify-corpus.mjs');
/** The built CLI; CACHELENS_TEST_CLI may point at another build (e.g. to test the harness itself). */
export const cliPath = process.env['CACHELENS_TEST_CLI'] ?? path.join(repoRoot, 'dist', 'cli', 'main.js');

export const haveSharedData = fs.existsSync(path.join(claudeHome, 'projects'));
export const haveCli = fs.existsSync(cliPath);

export const SKIP_NO_SHARED = `skipping: ../shared/data not found (looked for ${path.join(claudeHome, 'projects')})`;
export const SKIP_NO_CLI = `skipping: built CLI not found at ${path.relative(repoRoot, cliPath)} (run \`npm test\`, which builds first)`;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node dist/cli/main.js ...args` with a fixed, isolated environment. */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', NO_COLOR: '1', COLUMNS: '200' };
  delete env['CLAUDE_CONFIG_DIR'];
  Object.assign(env, opts.env ?? {});
  const res = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Run the CLI and parse its stdout as JSON; throws with stderr on failure. */
export function runCliJson<T = unknown>(args: string[], opts: { timeoutMs?: number } = {}): T {
  const res = runCli(args, opts);
  if (res.status !== 0) {
    throw new Error(
      `cachelens ${args.join(' ')} exited with ${res.status}\n--- stderr ---\n${res.stderr.slice(0, 4000)}\n--- stdout ---\n${res.stdout.slice(0, 2000)}`,
    );
  }
  try {
    return JSON.parse(res.stdout) as T;
  } catch (err) {
    throw new Error(`cachelens ${args.join(' ')} did not print JSON: ${String(err)}\n${res.stdout.slice(0, 2000)}`);
  }
}
