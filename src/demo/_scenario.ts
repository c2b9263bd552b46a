// The demo's story: a calendar of sessions over eight weeks, each a sequence of prompts
// and agentic turns, with the scripted cache events placed in chosen sessions.
// This file only drives the run; the parts live in _calendar (plans), _session (one
// session), _features (scripted events), _agents (sub-agents) and _thread (line writer).

import { Rng } from './_random.js';
import { DAY, DAY0, DEMO_NOW, HOUR, MIN, PROJECTS, SEC, planCalendar } from './_calendar.js';
import { runSession, type SessionOut } from './_session.js';
import { World, type Obj } from './_world.js';
import type { DemoSession } from './types.js';

// index.ts reads the anchor instant from here, next to the scenario that honours it
export { DEMO_NOW };

const SEED = 0x5eed_ca5e;

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
