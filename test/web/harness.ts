/**
 * Dashboard test plumbing: start `cachelens dashboard` (the built CLI) as a
 * child process on a free port, talk raw HTTP to it, and drive Debian's
 * chromium through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { cliPath, repoRoot } from '../oracle/cli.js';

export const chromiumPath = process.env['CACHELENS_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
export const haveChromium = fs.existsSync(chromiumPath);
export const SKIP_NO_CHROMIUM = `skipping browser tests: no chromium at ${chromiumPath} (apt-get install chromium; .ci/run installs it when root)`;
/** Screenshots of every view land here (git-ignored; named in README.md). */
export const screenshotDir = path.join(repoRoot, 'artifacts', 'screenshots');

export interface Server {
  url: string;
  origin: string;
  port: number;
  proc: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-${prefix}-`));
}

/** Starts the dashboard; resolves once it printed its URL. */
export function startDashboard(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...opts.env };
  delete env['CLAUDE_CONFIG_DIR'];
  const proc = spawn(process.execPath, [cliPath, 'dashboard', '--no-open', '--port', '0', '--interval', '200', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dashboard did not start in time\n${err}`)), opts.timeoutMs ?? 30_000);
    proc.on('exit', (code) => reject(new Error(`dashboard exited with ${code}\n${err}`)));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /cachelens dashboard: (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      const u = new URL(url);
      resolve({
        url,
        origin: u.origin,
        port: Number(u.port),
        proc,
        stderr: () => err,
        stop: () =>
          new Promise<void>((res) => {
            if (proc.exitCode !== null) return res();
            proc.once('exit', () => res());
            proc.kill('SIGTERM');
          }),
      });
    });
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET with the path sent exactly as given (no normalisation) and any Host header. */
export function rawGet(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The report object without the per-run figures (what this run scanned, the store's read counters). */
export function stable<T extends Record<string, unknown>>(r: T): Omit<T, 'scan' | 'store'> {
  const { scan: _scan, store: _store, ...rest } = r;
  return rest;
}

/** One assistant line with usage, as Claude Code writes it. */
export function usageLine(o: { id: string; ts: string; session: string; model?: string; input?: number; w5?: number; w1?: number; read?: number; out?: number; agent?: string; cwd?: string; text?: string; version?: string }): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: o.agent !== undefined,
    ...(o.agent ? { agentId: o.agent } : {}),
    sessionId: o.session,
    version: o.version ?? '2.1.62',
    cwd: o.cwd ?? '/home/u/shop',
    type: 'assistant',
    timestamp: o.ts,
    requestId: `req_${o.id}`,
    message: {
      model: o.model ?? 'claude-sonnet-4-5-20250929',
      id: `msg_${o.id}`,
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: o.text ?? 'ok' }],
      usage: {
        input_tokens: o.input ?? 0,
        cache_creation_input_tokens: (o.w5 ?? 0) + (o.w1 ?? 0),
        cache_read_input_tokens: o.read ?? 0,
        cache_creation: { ephemeral_5m_input_tokens: o.w5 ?? 0, ephemeral_1h_input_tokens: o.w1 ?? 0 },
        output_tokens: o.out ?? 0,
      },
    },
  });
}
