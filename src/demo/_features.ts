// The scripted cache events: how a session's feature changes the one turn it is placed
// in (an idle gap past the TTL, a slash command, an upgrade, a sub-agent spawn, ...).
// Kept separate so each event's recipe can be read without the session loop around it.

import { HOUR, MIN, SEC, SONNET, floorOf, type Feature } from './_calendar.js';
import type { Thread } from './_thread.js';
import type { World } from './_world.js';
import type { DemoEventKind, DemoSession } from './types.js';

/** Per-turn instruction derived from the session's feature. */
export interface TurnPlan {
  /** rebuild applied to the first request of the turn */
  rebuild: { kind: DemoEventKind; level: number } | null;
  /** rebuild applied to the second request of the turn, with no evidence */
  silent: { kind: DemoEventKind; level: number } | null;
  apiError: boolean;
  spawn: 'fanout' | 'dup' | 'only' | null;
}

/** Applies the session's feature to the turn it was placed in; mutates `th` and `turn`. */
export function scriptTurn(world: World, th: Thread, session: DemoSession, feature: Feature | null, turn: TurnPlan): void {
  const rng = world.rng;
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
