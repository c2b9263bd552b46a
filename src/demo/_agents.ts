// Sub-agents started from a main-thread response: their own threads and files, the
// warm/cold judgement of their cached prefix, and the optional `agent_progress` copies in
// the parent that the duplicate-detection events are about.

import { HAIKU, MIN, SEC, type Project } from './_calendar.js';
import { NARRATION } from './_text.js';
import { Thread, type RequestResult } from './_thread.js';
import { toolResult, toolUse } from './_tools.js';
import { at, type Block, type Obj, type ResponseRecord, type World } from './_world.js';
import type { DemoEventKind, DemoSession } from './types.js';

export type AgentType = 'general-purpose' | 'Explore';
/** sub-agent system prompt + tools, written by a sub-agent's first request when cold */
const AGENT_PREFIX: Readonly<Record<AgentType, number>> = { 'general-purpose': 12_418, Explore: 9_236 };

/**
 * Runs the sub-agents started by one main-thread response, writes their files (2.1 layout),
 * optional `agent_progress` lines in the parent, and the Agent tool results.
 */
export function runAgents(
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
