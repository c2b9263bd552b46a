// Whole-CLI checks: every command and output format, filters, time zones,
// plans, unknown models, errors, width and colour — on small hand-made trees
// whose expected values are worked out by hand, and on the demo tree.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDemoFiles } from '../src/demo/index.js';
import { cliPath, haveCli, repoRoot, runCli, SKIP_NO_CLI } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
const d = haveCli ? describe : describe.skip;

function line(o: { id: string; ts: string; model?: string; session?: string; input?: number; w5?: number; w1?: number; read?: number; out?: number; agent?: string }): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: o.agent !== undefined,
    ...(o.agent ? { agentId: o.agent } : {}),
    sessionId: o.session ?? 'aaaa1111-0000-4000-8000-000000000001',
    version: '2.1.62',
    cwd: '/home/u/shop',
    type: 'assistant',
    timestamp: o.ts,
    requestId: `req_${o.id}`,
    message: {
      model: o.model ?? 'claude-sonnet-4-5-20250929',
      id: `msg_${o.id}`,
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'ok' }],
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

function tree(files: Record<string, string[]>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-cli-'));
  for (const [rel, lines] of Object.entries(files)) {
    const p = path.join(root, 'projects', rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, lines.join('\n') + '\n');
  }
  return root;
}

const S1 = 'aaaa1111-0000-4000-8000-000000000001';
const S2 = 'bbbb2222-0000-4000-8000-000000000002';

// Two sessions on Sonnet 4.5 ($3 in, $3.75 5m, $6 1h, $0.30 read, $15 out per MTok).
const small = (): string =>
  tree({
    '-home-u-shop/aaaa1111-0000-4000-8000-000000000001.jsonl': [
      // 2026-03-01 23:30 UTC = 2026-03-02 00:30 in Europe/Berlin
      line({ id: 'a1', ts: '2026-03-01T23:30:00.000Z', input: 1000, w5: 10000, out: 500 }),
      line({ id: 'a2', ts: '2026-03-01T23:31:00.000Z', input: 10, read: 10000, w1: 2000, out: 100 }),
      line({ id: 'a3', ts: '2026-03-01T23:40:00.000Z', input: 5, read: 12000, out: 50, agent: 'agent1' }),
    ],
    '-home-u-blog/bbbb2222-0000-4000-8000-000000000002.jsonl': [
      line({ id: 'b1', ts: '2026-03-10T12:00:00.000Z', session: S2, input: 100, read: 1_000_000, out: 1000 }),
      line({ id: 'b2', ts: '2026-03-10T12:01:00.000Z', session: S2, model: 'MiniMax-M3', input: 90664, read: 626, out: 507 }),
    ],
  });

function json(args: string[]): any {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

d('cachelens CLI', () => {
  const root = small();

  it('report --json: totals and costs worked out by hand', () => {
    const r = json(['report', '--json', '--dir', root, '--tz', 'UTC']);
    expect(r.demo).toBe(false);
    expect(r.totals).toMatchObject({
      requests: 5,
      sessions: 2,
      apiErrors: 0,
      inputTokens: 1000 + 10 + 5 + 100 + 90664,
      outputTokens: 500 + 100 + 50 + 1000 + 507,
      cacheWrite5mTokens: 10000,
      cacheWrite1hTokens: 2000,
      cacheReadTokens: 10000 + 12000 + 1_000_000 + 626,
      unpricedRequests: 1,
    });
    // a1: 1000*3 + 10000*3.75 + 500*15 = 3000 + 37500 + 7500 = 48000 µ$ = $0.048
    // a2: 10*3 + 10000*0.3 + 2000*6 + 100*15 = 30 + 3000 + 12000 + 1500 = 16530 → $0.01653
    // a3: 5*3 + 12000*0.3 + 50*15 = 15 + 3600 + 750 = 4365 → $0.004365
    // b1 has 1,000,100 input tokens > 200K in March 2026: Sonnet 4.5's long-context tier
    // prices the whole request at $6 in / $0.60 read / $22.50 out:
    // 100*6 + 1e6*0.6 + 1000*22.5 = 600 + 600000 + 22500 = 623100 → $0.6231
    expect(r.totals.costUSD).toBeCloseTo(0.048 + 0.01653 + 0.004365 + 0.6231, 9);
    // without caching every input token at the base input price:
    // a1 11000*3+7500, a2 12010*3+1500, a3 12005*3+750, b1 1000100*6+22500
    expect(r.totals.noCacheCostUSD).toBeCloseTo((33000 + 7500 + 36030 + 1500 + 36015 + 750 + 6000600 + 22500) / 1e6, 9);
    expect(r.unpriced).toEqual([
      { model: 'MiniMax-M3', requests: 1, inputTokens: 90664, outputTokens: 507, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 626 },
    ]);
    const mm = r.models.find((m: any) => m.model === 'MiniMax-M3');
    expect(mm.unpricedRequests).toBe(1);
    expect(r.totals.hitRate).toBeCloseTo(1022626 / (1022626 + 12000 + 91779), 12);
  });

  it('--by day|week|month buckets in the chosen time zone', () => {
    const utc = json(['report', '--json', '--dir', root, '--tz', 'UTC', '--by', 'day']);
    expect(utc.periods.map((p: any) => [p.period, p.requests])).toEqual([['2026-03-01', 3], ['2026-03-10', 2]]);
    const berlin = json(['report', '--json', '--dir', root, '--tz', 'Europe/Berlin', '--by', 'day']);
    expect(berlin.periods.map((p: any) => [p.period, p.requests])).toEqual([['2026-03-02', 3], ['2026-03-10', 2]]);
    // 2026-03-01 is a Sunday (ISO week 9); 2026-03-02 a Monday (week 10)
    expect(json(['report', '--json', '--dir', root, '--tz', 'UTC']).periods.map((p: any) => p.period)).toEqual(['2026-W09', '2026-W11']);
    expect(json(['report', '--json', '--dir', root, '--tz', 'Europe/Berlin']).periods.map((p: any) => p.period)).toEqual(['2026-W10', '2026-W11']);
    expect(json(['report', '--json', '--dir', root, '--by', 'month']).periods.map((p: any) => p.period)).toEqual(['2026-03']);
  });

  it('--since/--until are inclusive local days; --project filters by directory name', () => {
    const r = json(['report', '--json', '--dir', root, '--tz', 'UTC', '--since', '2026-03-02', '--until', '2026-03-10']);
    expect(r.totals.requests).toBe(2);
    expect(json(['report', '--json', '--dir', root, '--tz', 'UTC', '--until', '2026-03-01']).totals.requests).toBe(3);
    expect(json(['report', '--json', '--dir', root, '--tz', 'Europe/Berlin', '--until', '2026-03-01']).totals.requests).toBe(0);
    const p = json(['report', '--json', '--dir', root, '--project', 'SHOP']);
    expect(p.totals.requests).toBe(3);
    expect(p.projects.map((x: any) => x.project)).toEqual(['-home-u-shop']);
  });

  it('--plan pro-rates the subscription over the days of the report', () => {
    const r = json(['report', '--json', '--dir', root, '--tz', 'UTC', '--plan', 'max20', '--since', '2026-03-01', '--until', '2026-03-30']);
    // 30 days of $200/month at 365.25/12 = 30.4375 days a month: 200*30/30.4375 = 197.125257
    expect(r.costs.plan).toMatchObject({ plan: 'max20', monthlyUSD: 200, days: 30, firstDay: '2026-03-01', lastDay: '2026-03-30' });
    expect(r.costs.plan.proratedUSD).toBeCloseTo(197.125257, 5);
    const c = json(['report', '--json', '--dir', root, '--tz', 'UTC', '--plan', '50']);
    // data spans 2026-03-01..2026-03-10 = 10 days: 50*10/30.4375 = 16.427105
    expect(c.costs.plan.days).toBe(10);
    expect(c.costs.plan.proratedUSD).toBeCloseTo(16.427105, 5);
  });

  it('sessions and session: main/sub-agent split, gaps per thread, prefixes', () => {
    const s = json(['sessions', '--json', '--dir', root]);
    expect(s.sessions.map((x: any) => [x.sessionId, x.mainRequests, x.subagentRequests])).toEqual([
      [S2, 2, 0],
      [S1, 2, 1],
    ]);
    const one = json(['session', 'aaaa', '--json', '--dir', root]);
    expect(one.sessionId).toBe(S1);
    expect(one.requests.map((q: any) => [q.messageId, q.agentId, q.gapMs])).toEqual([
      ['msg_a1', null, null],
      ['msg_a2', null, 60_000],
      ['msg_a3', 'agent1', null],
    ]);
    expect(one.requests[1]).toMatchObject({ inputTokens: 10, cacheWrite1hTokens: 2000, cacheReadTokens: 10000, outputTokens: 100 });
    expect(one.requests[1].costUSD).toBeCloseTo(0.01653, 9);
    expect(json(['session', 'latest', '--json', '--dir', root]).sessionId).toBe(S2);
  });

  it('--csv and --md print every table; CSV cells are raw values', () => {
    const csv = runCli(['report', '--csv', '--dir', root, '--tz', 'UTC', '--by', 'day']);
    expect(csv.status).toBe(0);
    const blocks = csv.stdout.trim().split('\n\n');
    expect(blocks.map((b) => b.split('\n')[0])).toEqual(['# Totals', '# Cost', '# By day', '# By model', '# By project', '# Timeline: hit rate and cache waste by week']);
    const byDay = blocks[2]!.split('\n');
    expect(byDay[1]).toBe('day,sessions,requests,output,cache read,hit,rebuilds,wasted,cost');
    expect(byDay[2]).toBe(`2026-03-01,1,3,650,22000,${22000 / 35015},0,0,0.068895`);
    const md = runCli(['sessions', '--md', '--dir', root]);
    expect(md.stdout).toContain('| session | project | first | last | main | sub-agent | hit | rebuilds | wasted | cost |');
    const sessCsv = runCli(['session', 'bbbb', '--csv', '--dir', root]);
    expect(sessCsv.stdout.split('\n').some((l) => l.startsWith('2,') && l.endsWith(','))).toBe(true); // unpriced cost is an empty cell
  });

  it('tables fit the terminal width and honour NO_COLOR / --no-color', () => {
    const env = { COLUMNS: '60' };
    const r = runCli(['report', '--dir', root, '--tz', 'UTC'], { env });
    expect(r.status).toBe(0);
    for (const l of r.stdout.split('\n')) expect(l.length, l).toBeLessThanOrEqual(60);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    const forced = runCli(['report', '--dir', root, '--no-color'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(forced.stdout).not.toMatch(/\u001b\[/);
    const colored = runCli(['report', '--dir', root], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(colored.stdout).toMatch(/\u001b\[/);
  });

  it('blocks: 5-hour windows whose totals add up to the report', () => {
    const b = json(['blocks', '--json', '--dir', root, '--tz', 'UTC']);
    expect(b.kind).toBe('blocks');
    // a1..a3 on 2026-03-01 23:30-23:40 share one block from 23:00; b1, b2 on 2026-03-10 12:00 open another
    expect(b.blocks.map((x: any) => [x.start, x.requests])).toEqual([
      ['2026-03-01T23:00:00.000Z', 3],
      ['2026-03-10T12:00:00.000Z', 2],
    ]);
    const r = json(['report', '--json', '--dir', root, '--tz', 'UTC']);
    expect(b.blocks.reduce((s: number, x: any) => s + x.cacheReadTokens, 0)).toBe(r.totals.cacheReadTokens);
    expect(json(['blocks', '--json', '--active', '--dir', root]).blocks).toEqual([]); // all of it is months old
  });

  it('user errors: one line, a hint where useful, exit code 2', () => {
    for (const args of [
      ['report', '--since', '2026-13-01'],
      ['report', '--tz', 'Mars/Olympus'],
      ['report', '--by', 'year'],
      ['report', '--plan', 'gold'],
      ['session', 'zzzz'],
    ]) {
      const r = runCli([...args, '--dir', root]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^cachelens: /);
      expect(r.stdout).toBe('');
    }
    const amb = runCli(['session', '', '--dir', root]);
    expect(amb.status).toBe(2);
    expect(amb.stderr).toContain('matches 2 sessions');
  });
});

d('no transcripts: the labelled demo', () => {
  it('says where it looked and shows the demo, labelled, with the demo totals', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-empty-'));
    const r = runCli(['report', '--json', '--dir', empty]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`looked in: ${empty}`);
    const j = JSON.parse(r.stdout);
    expect(j.demo).toBe(true);
    const want = buildDemoFiles().manifest.expectedTotals;
    expect(j.totals).toMatchObject({
      requests: want.requests,
      apiErrors: want.apiErrors,
      inputTokens: want.inputTokens,
      outputTokens: want.outputTokens,
      cacheWrite5mTokens: want.cacheWrite5mTokens,
      cacheWrite1hTokens: want.cacheWrite1hTokens,
      cacheReadTokens: want.cacheReadTokens,
    });
    for (const cmd of [['report'], ['sessions'], ['session', 'latest']]) {
      const t = runCli([...cmd, '--dir', empty]);
      expect(t.stdout, cmd.join(' ')).toContain('DEMO DATA');
    }
  });

  it('cachelens demo DIR writes a tree that reports the same totals', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-demo-')), 'home');
    const w = runCli(['demo', dir]);
    expect(w.status).toBe(0);
    const j = JSON.parse(runCli(['report', '--json', '--dir', dir]).stdout);
    expect(j.demo).toBe(false);
    expect(j.totals.requests).toBe(buildDemoFiles().manifest.expectedTotals.requests);
  });
});

d('report --git', () => {
  it('counts commits per ISO week in the repository at the recorded cwd', () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-git-'));
    const git = (args: string[], date?: string) =>
      execFileSync('git', ['-C', repo, ...args], {
        env: { ...process.env, GIT_AUTHOR_DATE: date ?? '', GIT_COMMITTER_DATE: date ?? '', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
        stdio: 'ignore',
      });
    git(['init', '-q']);
    // two commits in 2026-W10 (Mon 2026-03-02 .. Sun 03-08), one in 2026-W11
    for (const [i, date] of ['2026-03-03T10:00:00Z', '2026-03-05T10:00:00Z', '2026-03-10T10:00:00Z'].entries()) {
      fs.writeFileSync(path.join(repo, `f${i}`), String(i));
      git(['add', '.']);
      git(['commit', '-q', '-m', `c${i}`], date);
    }
    const body = line({ id: 'g1', ts: '2026-03-04T10:00:00.000Z', input: 10, read: 1000, out: 5 }).replace('"cwd":"/home/u/shop"', `"cwd":${JSON.stringify(repo)}`);
    const root = tree({ '-tmp-repo/aaaa1111-0000-4000-8000-000000000001.jsonl': [body, line({ id: 'g2', ts: '2026-03-11T10:00:00.000Z', input: 10, read: 1000, out: 5 }).replace('"cwd":"/home/u/shop"', `"cwd":${JSON.stringify(repo)}`)] });
    const j = json(['report', '--json', '--git', '--dir', root, '--tz', 'UTC']);
    expect(j.timeline.git.byProject['-tmp-repo']).toEqual({ '2026-W10': 2, '2026-W11': 1 });
    expect(j.timeline.weeks.map((w: any) => [w.week, w.commits])).toEqual([['2026-W10', 2], ['2026-W11', 1]]);
  });
});

d('statusline and install-statusline (CLI wiring)', () => {
  it('prints one line from stdin JSON and exits 0, also on garbage', () => {
    const root = tree({ '-home-u-shop/aaaa1111-0000-4000-8000-000000000001.jsonl': [line({ id: 's1', ts: '2026-03-01T10:00:00.000Z', input: 5, w1: 2000, read: 30000, out: 10 })] });
    const transcript = path.join(root, 'projects', '-home-u-shop', 'aaaa1111-0000-4000-8000-000000000001.jsonl');
    // both entries: the ES module one (node dist/cli/main.js) and the package's bin (CommonJS, the status line's bundle)
    for (const entry of [cliPath, path.join(path.dirname(cliPath), 'bin.cjs')]) {
      const run = (input: string) => spawnSync(process.execPath, [entry, 'statusline'], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const ok = run(JSON.stringify({ session_id: S1, transcript_path: transcript, model: { id: 'claude-sonnet-4-5-20250929', display_name: 'Sonnet 4.5' } }));
      expect(ok.status, entry).toBe(0);
      expect(ok.stdout.trim().split('\n')).toHaveLength(1);
      expect(ok.stdout).toContain('cache 93%'); // 30,000 / (5 + 2,000 + 30,000) = 93.7%, shown rounded down
      const bad = run('not json');
      expect(bad.status).toBe(0);
      expect(bad.stdout.trim()).not.toBe('');
    }
    // the bin hands every other command to the ES module entry
    const version = spawnSync(process.execPath, [path.join(path.dirname(cliPath), 'bin.cjs'), '--version'], { encoding: 'utf8' });
    expect([version.status, version.stdout.trim()]).toEqual([0, JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version]);
  });

  it('install-statusline prints the snippet without touching settings', () => {
    const r = runCli(['install-statusline']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"command": "cachelens statusline"');
  });
});
