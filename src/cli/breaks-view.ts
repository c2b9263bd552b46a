// `cachelens breaks` report → printable blocks. No figures are computed here.
import type { BreaksReport, WasteGroup } from '../report/breaks.js';
import { duration, int, localTime, pct, tokens, usd } from './format.js';
import type { Block, Column, Section } from './table.js';
import { causeLabel } from './labels.js';
import { demoBanner, type Paint } from './views.js';

function groupSection(title: string, head: string, groups: WasteGroup[], label: (k: string) => string = (k) => k): Section {
  const cols: Column[] = [
    { header: head, align: 'left', drop: 0 },
    { header: 'rebuilds', fmt: int, drop: 2 },
    { header: 'tokens re-written', fmt: tokens, drop: 3 },
    { header: 'wasted', fmt: usd, drop: 0 },
    { header: 'share', fmt: pct, drop: 1 },
  ];
  return { title, columns: cols, rows: groups.map((g) => [label(g.key), g.rebuilds, g.tokensRewritten, g.wastedUSD, g.share]) };
}

export function breaksBlocks(r: BreaksReport, p: Paint, opts: { limit: number }): Block[] {
  const s = r.summary;
  const tz = r.filters.tz;
  const shown = r.rebuilds.slice(0, opts.limit);
  const blocks: Block[] = [
    ...demoBanner(r, p),
    {
      text:
        `${p.bold('cachelens — cache rebuilds')}\n` +
        `${int(s.rebuilds)} rebuilds re-wrote ${tokens(s.tokensRewritten)} tokens: ${p.bold(usd(s.wastedUSD))} wasted at list prices ` +
        `(${pct(s.unexplainedShare)} of it unexplained). ${int(s.starts)} conversation starts wrote ${tokens(s.startTokens)} tokens (expected, not counted).\n` +
        p.dim(`A rebuild: read fell more than ${pct(r.rules.minShare)} and at least ${int(r.rules.minTokens)} tokens below the previous read + write, and was written again. Waste = tokens re-written × (write price − read price).`),
    },
    groupSection('Waste by cause', 'cause', r.byCause, (k) => causeLabel(k)),
    groupSection('Waste by project', 'project', r.byProject.slice(0, 10)),
    groupSection('Waste by Claude Code version', 'version', r.byVersion.slice(0, 10)),
    groupSection('Waste by week', 'week', r.byWeek),
  ];
  const list: Section = {
    title: r.rebuilds.length > shown.length ? `Costliest ${shown.length} of ${r.rebuilds.length} rebuilds (--limit to see more, --json for all)` : `${r.rebuilds.length} rebuilds, costliest first`,
    columns: [
      { header: 'wasted', fmt: usd, drop: 0 },
      { header: 'cause', align: 'left', drop: 0 },
      { header: 'time', align: 'left', drop: 3 },
      { header: 'gap', drop: 5 },
      { header: 'project', align: 'left', drop: 2 },
      { header: 'session', align: 'left', drop: 4 },
      { header: 'thread', align: 'left', drop: 6 },
      { header: 'model', align: 'left', drop: 5 },
      { header: 'version', align: 'left', drop: 6 },
      { header: 're-written', fmt: tokens, drop: 1 },
      { header: 'request', align: 'left', drop: 7 },
    ],
    rows: shown.map((b) => [
      b.wastedUSD,
      causeLabel(b.cause, b.ttl),
      localTime(b.timestamp, tz),
      b.gapMs === null ? '' : duration(b.gapMs),
      b.project,
      b.sessionId.slice(0, 8),
      b.agentId === null ? 'main' : `sub ${b.agentId.slice(0, 8)}`,
      b.model,
      b.version ?? '',
      b.tokensRewritten,
      b.requestId ?? b.messageId,
    ]),
    notes: [
      ...(shown.length ? [p.dim(`Evidence of the costliest: ${shown[0]!.evidence.join('; ')}`)] : []),
      ...(() => {
        const told = shown.filter((b) => b.claudeCode !== null);
        return told.length ? [p.dim(`Claude Code's own verdict (status line last_miss_cause) for ${told.length} of these: ${told.slice(0, 3).map((b) => `${localTime(b.timestamp, tz)} ${b.claudeCode!.lastMissCause}`).join('; ')}`)] : [];
      })(),
    ],
  };
  blocks.push(list);
  if (r.proxy.findings > 0) blocks.push(proxySection(r, tz));
  return blocks;
}

/** Proxy findings (docs/proxy.md): those joined to a listed rebuild, then the rest. */
function proxySection(r: BreaksReport, tz: string): Section {
  const joined = r.rebuilds.filter((b) => b.proxy !== null);
  const rows = [
    ...joined.map((b) => [localTime(b.timestamp, tz), b.sessionId.slice(0, 8), b.proxy!.cause, b.proxy!.detail, b.proxy!.tokensRewritten, `${causeLabel(b.cause, b.ttl)} (${b.proxy!.matchedBy})`]),
    ...r.proxy.unmatched.map((f) => [localTime(f.timestamp, tz), (f.sessionId ?? '').slice(0, 8), f.cause, f.detail, f.tokensRewritten, '–']),
  ];
  return {
    title: `Proven by the proxy: ${r.proxy.findings} findings, ${r.proxy.matched} joined to a rebuild above`,
    columns: [
      { header: 'time', align: 'left', drop: 3 },
      { header: 'session', align: 'left', drop: 4 },
      { header: 'cause', align: 'left', drop: 0 },
      { header: 'what changed', align: 'left', drop: 0 },
      { header: 're-written', fmt: tokens, drop: 2 },
      { header: 'transcript rebuild', align: 'left', drop: 1 },
    ],
    rows,
  };
}
