// The demo's story: a calendar of sessions over eight weeks, each a sequence of prompts
// and agentic turns, with the scripted cache events placed in chosen sessions.

import { Rng } from './_random.js';
import {
  COMPACT_SUMMARY,
  FILE_BODY,
  NARRATION,
  SLUG_WORDS,
  THINKING,
  API_SERVER,
  ML_PIPELINE,
  NOTES,
  WEBSHOP,
  type ProjectText,
} from './_text.js';
import { Thread, World, iso, versionAtLeast, type Block, type Obj, type RequestResult, type ResponseRecord } from './_thread.js';
import type { DemoEventKind, DemoSession } from './types.js';

/** The instant the demo is anchored to: 2026-11-16T18:00:00.000Z (a Monday). */
export const DEMO_NOW = Date.UTC(2026, 10, 16, 18, 0, 0);

const SEED = 0x5eed_ca5e;
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** midnight UTC of the first day (Monday 2026-09-21); day 56 is DEMO_NOW's day */
const DAY0 = Date.UTC(2026, 8, 21);
const DAYS = 57;

const OPUS = 'claude-opus-4-6';
const SONNET = 'claude-sonnet-4-6';
const HAIKU = 'claude-haiku-4-5-20251001';

/** Claude Code version in use from a given day on. 2.0.x writes 5m on the main thread. */
const VERSION_FROM_DAY: readonly [number, string][] = [
  [0, '2.0.76'],
  [14, '2.1.45'],
  [24, '2.1.49'],
  [34, '2.1.50'],
  [44, '2.1.62'],
  [51, '2.1.81'],
];

/** Cross-session cached system-prompt prefix (tokens) a new session reads, per version. */
const FLOOR: Readonly<Record<string, number>> = {
  '2.0.76': 17_482,
  '2.1.45': 19_862,
  '2.1.49': 19_874,
  '2.1.50': 19_906,
  '2.1.62': 20_112,
  '2.1.81': 20_541,
};

type AgentType = 'general-purpose' | 'Explore';
/** sub-agent system prompt + tools, written by a sub-agent's first request when cold */
const AGENT_PREFIX: Readonly<Record<AgentType, number>> = { 'general-purpose': 12_418, Explore: 9_236 };

interface Project {
  dir: string;
  cwd: string;
  branches: readonly string[];
  /** CLAUDE.md, memory, environment: written by each session's first request */
  context: number;
  weight: number;
  sonnetShare: number;
  text: ProjectText;
}

const PROJECTS: readonly Project[] = [
  {
    dir: '-Users-demo-code-webshop',
    cwd: '/Users/demo/code/webshop',
    branches: ['main', 'feat/cart-badge', 'fix/checkout-rounding', 'feat/wishlist'],
    context: 6_240,
    weight: 38,
    sonnetShare: 0.12,
    text: WEBSHOP,
  },
  {
    dir: '-Users-demo-code-api-server',
    cwd: '/Users/demo/code/api-server',
    branches: ['main', 'feat/rate-limit', 'fix/pagination'],
    context: 4_870,
    weight: 28,
    sonnetShare: 0.15,
    text: API_SERVER,
  },
  {
    dir: '-Users-demo-code-ml-pipeline',
    cwd: '/Users/demo/code/ml-pipeline',
    branches: ['main', 'exp/feature-store'],
    context: 7_310,
    weight: 20,
    sonnetShare: 0.1,
    text: ML_PIPELINE,
  },
  {
    dir: '-Users-demo-notes',
    cwd: '/Users/demo/notes',
    branches: [''],
    context: 2_150,
    weight: 14,
    sonnetShare: 0.7,
    text: NOTES,
  },
];

type Feature =
  | 'ttl5m'
  | 'ttl1h'
  | 'modelSwitch'
  | 'compaction'
  | 'upgrade'
  | 'clearSource'
  | 'effort'
  | 'fanout'
  | 'partial'
  | 'unexplained'
  | 'apiError'
  | 'resumeSource'
  | 'progressDup'
  | 'progressOnly';

interface Plan {
  day: number;
  project: Project;
  version: string;
  model: string;
  feature: Feature | null;
  follow: 'clear' | 'resume' | null;
}

interface SessionOut {
  end: number;
  slug: string;
  gitBranch: string;
  lastRec: ResponseRecord | null;
  state: { read: number; write: number; output: number; startLevel: number; lastRequestAt: number; model: string };
}

export interface Scenario {
  world: World;
  sessions: DemoSession[];
  projects: string[];
}

export function runScenario(): Scenario {
  const world = new World(new Rng(SEED));
  const plans = planCalendar(world.rng);
  const sessions: DemoSession[] = [];
  const warm = new Map<string, number>();
  const apiErrorTexts = [
    { error: 'rate_limit', text: 'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"Rate limited (demo)."}}' },
    { error: 'unknown', text: 'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' },
    { error: 'unknown', text: 'Request timed out (check API_TIMEOUT_MS)' },
  ];
  let apiErrorIndex = 0;

  let day = -1;
  let clock = 0;
  let prev: SessionOut | null = null;
  for (const plan of plans) {
    if (plan.follow === 'clear' && prev) clock = prev.end + world.rng.int(30 * SEC, 3 * MIN);
    else if (plan.follow === 'resume' && prev) clock = prev.end + world.rng.int(4 * MIN, 12 * MIN);
    else if (plan.day !== day) clock = DAY0 + plan.day * DAY + world.rng.int(7.5 * HOUR, 10 * HOUR);
    else clock = Math.max(clock, prev?.end ?? 0) + world.rng.int(25 * MIN, 150 * MIN);
    day = plan.day;
    const errorText = plan.feature === 'apiError' ? apiErrorTexts[apiErrorIndex++ % apiErrorTexts.length] : undefined;
    const out = runSession(world, plan, clock, { prev, warm, sessions, errorText });
    prev = out;
  }

  checkWorld(world);
  return { world, sessions, projects: PROJECTS.map((p) => p.dir) };
}

// --- internal ---

function versionOn(day: number): string {
  let v = VERSION_FROM_DAY[0]?.[1] ?? '2.1.81';
  for (const [from, version] of VERSION_FROM_DAY) if (day >= from) v = version;
  return v;
}

function floorOf(version: string): number {
  const f = FLOOR[version];
  if (f === undefined) throw new Error(`no floor for ${version}`);
  return f;
}

function planCalendar(rng: Rng): Plan[] {
  const plans: Plan[] = [];
  for (let day = 0; day < DAYS; day++) {
    const weekday = new Date(DAY0 + day * DAY).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    let n = weekend ? rng.weighted([70, 27, 3]) : rng.weighted([22, 45, 27, 6]);
    if (day === DAYS - 1) n = 1;
    for (let i = 0; i < n; i++) {
      const project = PROJECTS[rng.weighted(PROJECTS.map((p) => p.weight))] ?? PROJECTS[0]!;
      plans.push({
        day,
        project,
        version: versionOn(day),
        model: rng.chance(project.sonnetShare) ? SONNET : OPUS,
        feature: null,
        follow: null,
      });
    }
  }

  const assign = (feature: Feature, pred: (p: Plan) => boolean, opts: { last?: boolean; prefer?: string; model?: string } = {}) => {
    const free = plans.filter((p) => p.feature === null && pred(p));
    const preferred = opts.prefer ? free.filter((p) => p.project.dir === opts.prefer) : [];
    const pool = preferred.length > 0 ? preferred : free;
    const chosen = opts.last ? pool[pool.length - 1] : pool[0];
    if (!chosen) throw new Error(`demo calendar has no session for ${feature}`);
    chosen.feature = feature;
    if (opts.model) chosen.model = opts.model;
  };
  const on = (v: string) => (p: Plan) => p.version === v;
  assign('ttl5m', (p) => p.version === '2.0.76' && p.day >= 2, { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('apiError', on('2.0.76'));
  assign('partial', on('2.1.45'));
  assign('modelSwitch', (p) => p.version === '2.1.45' || p.version === '2.1.49', { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('upgrade', on('2.1.49'), { last: true });
  assign('unexplained', on('2.1.49'));
  assign('compaction', on('2.1.50'), { prefer: '-Users-demo-code-api-server', model: OPUS });
  assign('fanout', on('2.1.50'), { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('progressDup', on('2.1.50'));
  assign('effort', on('2.1.62'));
  assign('ttl1h', on('2.1.62'), { prefer: '-Users-demo-code-ml-pipeline' });
  assign('resumeSource', on('2.1.62'), { prefer: '-Users-demo-notes' });
  assign('apiError', on('2.1.62'));
  assign('clearSource', on('2.1.81'), { prefer: '-Users-demo-code-ml-pipeline' });
  assign('progressOnly', on('2.1.81'));
  assign('apiError', on('2.1.81'));

  const out: Plan[] = [];
  for (const p of plans) {
    out.push(p);
    if (p.feature === 'clearSource' || p.feature === 'resumeSource') {
      out.push({ ...p, feature: null, follow: p.feature === 'clearSource' ? 'clear' : 'resume' });
    }
  }
  return out;
}

interface SessionCtx {
  prev: SessionOut | null;
  warm: Map<string, number>;
  sessions: DemoSession[];
  errorText: { error: string; text: string } | undefined;
}

/** Per-turn instruction derived from the session's feature. */
interface TurnPlan {
  /** rebuild applied to the first request of the turn */
  rebuild: { kind: DemoEventKind; level: number } | null;
  /** rebuild applied to the second request of the turn, with no evidence */
  silent: { kind: DemoEventKind; level: number } | null;
  apiError: boolean;
  spawn: 'fanout' | 'dup' | 'only' | null;
}

function runSession(world: World, plan: Plan, start: number, ctx: SessionCtx): SessionOut {
  const rng = world.rng;
  const project = plan.project;
  const text = project.text;
  const sessionId = rng.uuid();
  const path = `projects/${project.dir}/${sessionId}.jsonl`;
  const source = plan.follow === 'resume' ? ctx.prev : null;
  const slug = source ? source.slug : `${rng.pick(SLUG_WORDS.a)}-${rng.pick(SLUG_WORDS.b)}-${rng.pick(SLUG_WORDS.c)}`;
  const th = new Thread(
    world,
    {
      path,
      sessionId,
      agentId: null,
      cwd: project.cwd,
      gitBranch: source ? source.gitBranch : rng.pick(project.branches),
      version: plan.version,
      slug,
      model: source ? source.state.model : plan.model,
      ttl: versionAtLeast(plan.version, '2.1.0') ? '1h' : '5m',
    },
    start,
  );
  const session: DemoSession = {
    sessionId,
    project: project.dir,
    path,
    startedAt: iso(start),
    endedAt: iso(start),
    versions: [plan.version],
    models: [th.model],
    agentIds: [],
  };
  ctx.sessions.push(session);

  let firstKind: DemoEventKind | null = 'cold-start';
  let firstRewritten: number | undefined;
  if (plan.follow === 'clear') {
    th.command('clear', '', '', null);
    th.pending += project.context;
    firstKind = 'clear';
    firstRewritten = project.context;
  } else if (source) {
    // `--resume`: the previous session's last response is copied into the new file.
    const last = source.lastRec;
    if (!last) throw new Error('resume source has no response');
    last.lines.forEach((line, i) => {
      const copy = JSON.parse(JSON.stringify(line)) as Obj;
      copy.sessionId = sessionId;
      if (i === 0) copy.parentUuid = null;
      th.push(copy);
      th.parent = copy.uuid as string;
    });
    Object.assign(th, {
      read: source.state.read,
      write: source.state.write,
      output: source.state.output,
      started: true,
      startLevel: source.state.startLevel,
      lastRequestAt: source.state.lastRequestAt,
    });
    world.event('cross-file-duplicate', { ...at(last), sessionId });
    firstKind = null;
  } else {
    th.pending += project.context;
  }

  const feature = plan.feature;
  const compaction = feature === 'compaction';
  const nPrompts = compaction ? 4 : feature ? rng.int(5, 9) : rng.int(3, 8);
  const featureAt = feature && !compaction ? rng.int(2, nPrompts - 2) : -1;
  let compacted = false;
  let lastRec: ResponseRecord | null = null;

  for (let p = 0; p < nPrompts || (compaction && !compacted); p++) {
    const turn: TurnPlan = { rebuild: null, silent: null, apiError: false, spawn: null };
    // idle time before the prompt: always within the TTL in force, unless scripted
    if (p > 0) th.t += th.ttl === '5m' ? rng.int(20 * SEC, 150 * SEC) : rng.skewed(30 * SEC, 25 * MIN);
    if (p === featureAt) {
      const floor = floorOf(th.version);
      switch (feature) {
        case 'ttl5m':
          th.t += rng.int(11.5 * MIN, 12.5 * MIN);
          turn.rebuild = { kind: 'ttl-expired-5m', level: floor };
          break;
        case 'ttl1h':
          th.t += rng.int(2.9 * HOUR, 3.2 * HOUR);
          turn.rebuild = { kind: 'ttl-expired-1h', level: floor };
          break;
        case 'modelSwitch':
          th.t += rng.int(5 * SEC, 30 * SEC);
          th.command('model', 'sonnet', 'Set model to \u001b[1msonnet (claude-sonnet-4-6)\u001b[22m');
          th.model = SONNET;
          session.models.push(SONNET);
          turn.rebuild = { kind: 'model-switch', level: floor };
          break;
        case 'effort':
          th.t += rng.int(5 * SEC, 30 * SEC);
          th.command('effort', 'high', 'Set effort level to high');
          turn.rebuild = { kind: 'effort', level: floor };
          break;
        case 'upgrade': {
          // restart after an auto-update, then continue the same session
          th.t += rng.int(2 * MIN, 4 * MIN);
          th.version = '2.1.50';
          session.versions.push(th.version);
          turn.rebuild = { kind: 'claude-code-upgrade', level: 0 };
          break;
        }
        case 'partial':
          turn.silent = { kind: 'partial', level: th.startLevel };
          break;
        case 'unexplained':
          turn.silent = { kind: 'unexplained', level: 0 };
          break;
        case 'apiError':
          turn.apiError = true;
          break;
        case 'fanout':
          turn.spawn = 'fanout';
          break;
        case 'progressDup':
          turn.spawn = 'dup';
          break;
        case 'progressOnly':
          turn.spawn = 'only';
          break;
        default:
          break;
      }
    }

    th.t += rng.int(200, 3_000);
    const promptAt = th.t;
    th.userText(text.prompts[(p + rng.int(0, text.prompts.length - 1)) % text.prompts.length] ?? '', rng.int(20, 260), {
      snapshot: true,
    });
    if (turn.apiError && ctx.errorText) {
      th.t += rng.int(5 * SEC, 30 * SEC);
      const err = th.apiError(ctx.errorText.error, ctx.errorText.text);
      world.event('api-error', { sessionId, agentId: null, messageId: err.messageId, requestId: null, timestamp: err.timestamp });
      th.t += rng.int(2 * SEC, 20 * SEC);
    }

    const minK = turn.silent || turn.spawn ? 3 : 1;
    const nRequests = compaction ? rng.int(7, 10) : Math.max(minK, rng.int(1, 7));
    for (let k = 0; k < nRequests; k++) {
      const last = k === nRequests - 1;
      // auto-compaction before a request once the context is nearly full
      let reset = false;
      if (compaction && !compacted && k > 0 && th.read + th.write + th.output + th.pending > 150_000) {
        th.t += rng.int(20 * SEC, 60 * SEC);
        const preTokens = th.read + th.write + th.output + th.pending;
        th.compact(preTokens, rng.int(9_000, 13_000), COMPACT_SUMMARY);
        th.pending += project.context;
        reset = true;
        compacted = true;
      }

      const spawnHere = k === 0 && turn.spawn ? turn.spawn : null;
      const randomSpawn = !spawnHere && !last && th.isV21 && !compaction && feature !== 'fanout' && rng.chance(0.05);
      const blocks: Block[] = [];
      const outputs: number[] = [];
      if (rng.chance(0.3)) {
        blocks.push({ type: 'thinking', thinking: rng.pick(THINKING), signature: rng.signature() });
        outputs.push(rng.int(60, 700));
      }
      const tools: { block: Extract<Block, { type: 'tool_use' }>; agent: AgentType | null }[] = [];
      if (last) {
        blocks.push({ type: 'text', text: rng.pick(text.answers) });
        outputs.push(rng.int(120, 900));
      } else {
        if (rng.chance(0.4) || spawnHere === 'fanout') {
          blocks.push({ type: 'text', text: spawnHere === 'fanout' ? 'I will split this across three agents.' : rng.pick(NARRATION) });
          outputs.push(rng.int(15, 90));
        }
        if (spawnHere || randomSpawn) {
          const count = spawnHere === 'fanout' ? 3 : 1;
          for (let i = 0; i < count; i++) {
            const agentType: AgentType = spawnHere === 'fanout' ? 'general-purpose' : rng.chance(0.5) ? 'Explore' : 'general-purpose';
            const task =
              spawnHere === 'fanout'
                ? (text.agentTasks[i % text.agentTasks.length] ?? rng.pick(text.agentTasks))
                : rng.pick(text.agentTasks);
            blocks.push({
              type: 'tool_use',
              id: rng.toolUseId(),
              name: versionAtLeast(th.version, '2.1.60') ? 'Agent' : 'Task',
              input: { description: task.description, prompt: task.prompt, subagent_type: agentType },
            });
            outputs.push(rng.int(120, 400));
            tools.push({ block: blocks[blocks.length - 1] as Extract<Block, { type: 'tool_use' }>, agent: agentType });
          }
        } else {
          const n = blocks.length < 3 && rng.chance(0.2) ? 2 : 1;
          for (let i = 0; i < n; i++) {
            const block = toolUse(rng, project);
            blocks.push(block);
            outputs.push(block.name === 'Edit' ? rng.int(150, 900) : rng.int(40, 350));
            tools.push({ block, agent: null });
          }
        }
      }

      let level: number | undefined;
      let kind: DemoEventKind | null = null;
      if (k === 0 && turn.rebuild) ({ level, kind } = turn.rebuild);
      if (k === 1 && turn.silent) ({ level, kind } = turn.silent);
      if (reset) {
        level = floorOf(th.version);
        kind = 'compaction';
      }
      if (!th.started) level = floorOf(th.version);

      const wasStarted = th.started;
      const res = th.request(blocks, { outputs, level, reset });
      lastRec = res.rec;
      if (!wasStarted && firstKind) {
        world.event(firstKind, at(res.rec), firstRewritten);
      } else if (kind) {
        world.event(kind, at(res.rec), reset ? res.write : res.expectedRead - res.read);
      }

      // tool results
      const agentTools = tools.filter((t) => t.agent !== null);
      if (agentTools.length > 0) {
        runAgents(world, th, project, res, agentTools, spawnHere, ctx.warm, session);
      }
      for (const t of tools) {
        if (t.agent !== null) continue;
        th.t += t.block.name === 'Bash' ? rng.int(2 * SEC, 40 * SEC) : rng.int(80, 1_500);
        const r = toolResult(rng, project, t.block, compaction && !compacted);
        th.toolResult(t.block.id, res.uuids[blocks.indexOf(t.block)] ?? '', r.content, r.tokens, r.toolUseResult);
      }
      if (last) break;
    }
    th.t += rng.int(5, 60);
    th.turnDuration(th.t - promptAt);
    if (!compaction && th.read + th.write > 110_000) break;
  }

  session.endedAt = iso(th.t);
  return {
    end: th.t,
    slug,
    gitBranch: th.gitBranch,
    lastRec,
    state: {
      read: th.read,
      write: th.write,
      output: th.output,
      startLevel: th.startLevel,
      lastRequestAt: th.lastRequestAt,
      model: th.model,
    },
  };
}

function at(rec: ResponseRecord) {
  return {
    sessionId: rec.sessionId,
    agentId: rec.agentId,
    messageId: rec.messageId,
    requestId: rec.requestId,
    timestamp: rec.timestamp,
  };
}

/**
 * Runs the sub-agents started by one main-thread response, writes their files (2.1 layout),
 * optional `agent_progress` lines in the parent, and the Agent tool results.
 */
function runAgents(
  world: World,
  parent: Thread,
  project: Project,
  spawner: RequestResult,
  tools: { block: Extract<Block, { type: 'tool_use' }>; agent: AgentType | null }[],
  mode: 'fanout' | 'dup' | 'only' | null,
  warm: Map<string, number>,
  session: DemoSession,
): void {
  const rng = world.rng;
  const spawnLine = spawner.rec.lines[spawner.rec.lines.length - 1];
  const spawnUuid = (spawnLine?.uuid as string | undefined) ?? '';
  const results: { toolUseId: string; answer: string; agentId: string; out: AgentOut; prompt: string }[] = [];
  let t = parent.t + rng.int(200, 600);
  let end = parent.t;
  // fan-out agents start before any of them has written: judge warmth on the state before
  const before = new Map(warm);
  for (const tool of tools) {
    const agentType = tool.agent ?? 'general-purpose';
    const model = agentType === 'Explore' ? HAIKU : parent.model;
    const agentId = rng.agentId();
    const input = tool.block.input as { prompt: string; description: string };
    const key = `${project.dir}|${agentType}|${model}`;
    const lastUse = (mode === 'fanout' ? before : warm).get(key);
    if (mode === 'fanout' && lastUse !== undefined && t - lastUse < 5.5 * MIN) {
      throw new Error('fan-out must start cold');
    }
    if (lastUse !== undefined && t - lastUse >= 4.5 * MIN && t - lastUse < 5.5 * MIN) t = lastUse + 5.5 * MIN;
    const isWarm = mode !== 'fanout' && lastUse !== undefined && t - lastUse < 4.5 * MIN;
    const withFile = mode !== 'only';
    const out = runAgent(world, parent, project, {
      agentId,
      agentType,
      model,
      start: t,
      prompt: input.prompt,
      description: input.description,
      prefix: AGENT_PREFIX[agentType],
      warm: isWarm,
      withFile,
      single: mode === 'only',
      firstKind: mode === 'fanout' ? 'parallel-fanout' : mode === 'only' ? 'progress-only' : 'cold-start',
    });
    warm.set(key, out.lastRequestAt);
    if (withFile) session.agentIds.push(agentId);

    if (mode === 'dup' || mode === 'only') {
      const embedded = mode === 'only' ? out.records[0]?.lines[out.records[0].lines.length - 1] : out.records[0]?.lines[0];
      if (!embedded) throw new Error('no sub-agent line to embed');
      const ts = embedded.timestamp as string;
      parent.push(
        parent.envelope(parent.parent, {
          type: 'progress',
          data: {
            message: {
              type: 'assistant',
              timestamp: ts,
              message: embedded.message,
              requestId: embedded.requestId,
              uuid: embedded.uuid,
            },
            normalizedMessages: [],
            type: 'agent_progress',
            prompt: input.prompt,
            agentId,
          },
          toolUseID: `agent_${spawner.rec.messageId}`,
          parentToolUseID: tool.block.id,
          uuid: rng.uuid(),
          timestamp: ts,
        }),
      );
    }
    results.push({ toolUseId: tool.block.id, answer: out.answer, agentId, out, prompt: input.prompt });
    end = Math.max(end, out.end);
    t += rng.int(200, 600);
  }

  parent.t = end + rng.int(300, 2_000);
  for (const r of results) {
    const lastLine = r.out.records[r.out.records.length - 1]?.lines.at(-1);
    const usage = ((lastLine?.message as Obj | undefined)?.usage ?? {}) as Record<string, number>;
    const totalTokens =
      (usage.input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0) +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.output_tokens ?? 0);
    parent.toolResult(
      r.toolUseId,
      spawnUuid,
      r.answer,
      r.out.answerTokens,
      {
        status: 'completed',
        prompt: r.prompt,
        agentId: r.agentId,
        content: [{ type: 'text', text: r.answer }],
        totalDurationMs: r.out.end - r.out.start,
        totalTokens,
        totalToolUseCount: r.out.toolUses,
        usage,
      },
    );
    parent.t += rng.int(20, 200);
  }
}

interface AgentOut {
  start: number;
  end: number;
  lastRequestAt: number;
  records: ResponseRecord[];
  answer: string;
  answerTokens: number;
  toolUses: number;
}

function runAgent(
  world: World,
  parent: Thread,
  project: Project,
  o: {
    agentId: string;
    agentType: AgentType;
    model: string;
    start: number;
    prompt: string;
    description: string;
    prefix: number;
    warm: boolean;
    withFile: boolean;
    single: boolean;
    firstKind: DemoEventKind;
  },
): AgentOut {
  const rng = world.rng;
  const dir = `projects/${project.dir}/${parent.sessionId}/subagents`;
  const th = new Thread(
    world,
    {
      path: o.withFile ? `${dir}/agent-${o.agentId}.jsonl` : null,
      sessionId: parent.sessionId,
      agentId: o.agentId,
      cwd: parent.cwd,
      gitBranch: parent.gitBranch,
      version: parent.version,
      slug: parent.slug,
      model: o.model,
      ttl: '5m',
    },
    o.start,
  );
  if (o.withFile) {
    world.metaFiles.set(`${dir}/agent-${o.agentId}.meta.json`, JSON.stringify({ agentType: o.agentType, description: o.description }));
  }
  th.userText(o.prompt, rng.int(150, 700), { parentUuid: null });
  if (!o.warm) th.pending += o.prefix;

  const records: ResponseRecord[] = [];
  const n = o.single ? 1 : rng.int(2, 8);
  let toolUses = 0;
  let answer = '';
  for (let k = 0; k < n; k++) {
    const last = k === n - 1;
    const blocks: Block[] = [];
    const outputs: number[] = [];
    let tool: Extract<Block, { type: 'tool_use' }> | null = null;
    if (last) {
      const hits = rng.int(2, 6);
      answer = `${o.description}: found ${hits} relevant places, starting with ${rng.pick(project.text.files)}. Details are in the notes above.`;
      blocks.push({ type: 'text', text: answer });
      outputs.push(rng.int(150, 700));
    } else {
      // the first request always streams two lines, so an embedded copy of its first
      // line carries only the placeholder output
      if (k === 0 || rng.chance(0.4)) {
        blocks.push({ type: 'text', text: rng.pick(NARRATION) });
        outputs.push(rng.int(15, 80));
      }
      tool = toolUse(rng, project, true);
      blocks.push(tool);
      outputs.push(rng.int(40, 250));
      toolUses++;
    }
    const res = th.request(blocks, {
      outputs,
      level: k === 0 ? (o.warm ? o.prefix : 0) : undefined,
      // fan-out agents send their first requests together, none waiting for another's cache
      latency: k === 0 && o.firstKind === 'parallel-fanout' ? [1_200, 1_500] : undefined,
    });
    records.push(res.rec);
    if (k === 0) {
      world.event(o.firstKind, at(res.rec), o.firstKind === 'parallel-fanout' ? o.prefix : undefined);
    }
    if (tool) {
      th.t += tool.name === 'Bash' ? rng.int(1 * SEC, 15 * SEC) : rng.int(80, 1_200);
      const r = toolResult(rng, project, tool, false);
      th.toolResult(tool.id, res.uuids[res.uuids.length - 1] ?? '', r.content, r.tokens, r.toolUseResult);
    }
  }
  const lastRec = records[records.length - 1];
  return {
    start: o.start,
    end: th.t,
    lastRequestAt: th.lastRequestAt,
    records,
    answer,
    answerTokens: (lastRec?.output ?? 0) + rng.int(20, 60),
    toolUses,
  };
}

function toolUse(rng: Rng, project: Project, readOnly = false): Extract<Block, { type: 'tool_use' }> {
  const text = project.text;
  const file = `${project.cwd}/${rng.pick(text.files)}`;
  const kinds = readOnly ? ['Read', 'Read', 'Grep', 'Glob', 'Bash'] : ['Read', 'Read', 'Edit', 'Edit', 'Bash', 'Bash', 'Grep', 'Glob'];
  const name = rng.pick(kinds);
  const id = rng.toolUseId();
  switch (name) {
    case 'Read':
      return { type: 'tool_use', id, name, input: { file_path: file } };
    case 'Edit':
      return { type: 'tool_use', id, name, input: { file_path: file, old_string: 'return input;', new_string: 'return normalise(input);' } };
    case 'Grep':
      return { type: 'tool_use', id, name, input: { pattern: rng.pick(text.patterns), output_mode: 'files_with_matches' } };
    case 'Glob':
      return { type: 'tool_use', id, name, input: { pattern: '**/*.test.*' } };
    default: {
      const c = rng.pick(text.commands);
      return { type: 'tool_use', id, name: 'Bash', input: { command: c.command, description: c.description } };
    }
  }
}

function toolResult(
  rng: Rng,
  project: Project,
  block: Extract<Block, { type: 'tool_use' }>,
  big: boolean,
): { content: string; tokens: number; toolUseResult: unknown } {
  const input = block.input as Record<string, string>;
  const files = project.text.files.slice(0, rng.int(1, 3)).map((f) => `${project.cwd}/${f}`);
  switch (block.name) {
    case 'Read': {
      const body = rng.pick(FILE_BODY);
      const numLines = body.split('\n').length - 1;
      return {
        content: body
          .split('\n')
          .slice(0, numLines)
          .map((l, i) => `${String(i + 1).padStart(6)}\u2192${l}`)
          .join('\n'),
        tokens: big ? rng.int(5_000, 9_000) : rng.skewed(600, 5_500),
        toolUseResult: { type: 'text', file: { filePath: input.file_path, content: body, numLines, startLine: 1, totalLines: numLines } },
      };
    }
    case 'Edit':
      return {
        content: `The file ${input.file_path} has been updated successfully.`,
        tokens: rng.int(60, 300),
        toolUseResult: {
          filePath: input.file_path,
          oldString: input.old_string,
          newString: input.new_string,
          structuredPatch: [],
          userModified: false,
          replaceAll: false,
        },
      };
    case 'Grep':
      return {
        content: `Found ${files.length} file${files.length === 1 ? '' : 's'}\n${files.join('\n')}`,
        tokens: rng.int(60, 500),
        toolUseResult: { mode: 'files_with_matches', filenames: files, numFiles: files.length },
      };
    case 'Glob':
      return {
        content: files.join('\n'),
        tokens: rng.int(50, 400),
        toolUseResult: { filenames: files, durationMs: rng.int(5, 120), numFiles: files.length, truncated: false },
      };
    default: {
      const stdout = project.text.commands.find((c) => c.command === input.command)?.stdout ?? '';
      return {
        content: stdout,
        tokens: big ? rng.int(3_000, 7_000) : rng.skewed(80, 2_500),
        toolUseResult: { stdout, stderr: '', interrupted: false, isImage: false, noOutputExpected: false },
      };
    }
  }
}

/** Invariants the demo promises; a violation is a generator bug. */
function checkWorld(world: World): void {
  const ids = new Set<string>();
  for (const r of world.responses) {
    if (ids.has(r.messageId)) throw new Error(`duplicate message id ${r.messageId}`);
    ids.add(r.messageId);
  }
  for (const f of world.files.values()) {
    for (const line of f.lines) {
      const ts = (line.timestamp ?? (line.snapshot as Obj | undefined)?.timestamp) as string | undefined;
      if (ts !== undefined && Date.parse(ts) >= DEMO_NOW) throw new Error(`timestamp ${ts} is not before DEMO_NOW`);
    }
  }
}
