// One session end to end: its file, the optional /clear or --resume start, the prompts
// and agentic turns, auto-compaction, and the events each request stands for.

import { COMPACT_SUMMARY, NARRATION, SLUG_WORDS, THINKING } from './_text.js';
import { MIN, SEC, floorOf, type Plan } from './_calendar.js';
import { runAgents, type AgentType } from './_agents.js';
import { scriptTurn, type TurnPlan } from './_features.js';
import { Thread } from './_thread.js';
import { toolResult, toolUse } from './_tools.js';
import { at, iso, versionAtLeast, type Block, type Obj, type ResponseRecord, type World } from './_world.js';
import type { DemoEventKind, DemoSession } from './types.js';

export interface SessionOut {
  end: number;
  slug: string;
  gitBranch: string;
  lastRec: ResponseRecord | null;
  state: { read: number; write: number; output: number; startLevel: number; lastRequestAt: number; model: string };
}

interface SessionCtx {
  prev: SessionOut | null;
  warm: Map<string, number>;
  sessions: DemoSession[];
  errorText: { error: string; text: string } | undefined;
}

export function runSession(world: World, plan: Plan, start: number, ctx: SessionCtx): SessionOut {
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
    if (p === featureAt) scriptTurn(world, th, session, feature, turn);

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
