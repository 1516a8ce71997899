import type { Content } from '../content/content-types.js';
import type { ModelProvider } from '../model/model-provider.js';
import type { Router } from '../rollout/route-decision.js';
import type { Database } from '../store/database.js';
import { runAwfTurn } from './awf/awf-turn.js';
import { runLegacyTurn } from './legacy/legacy-turn.js';
import {
  createShadowRunner,
  type ShadowObserver,
  type ShadowRunner,
  type ShadowSettings,
} from './shadow/shadow-runner.js';
import { createTurnService, RECENT_TURNS, type TurnObserver, type TurnService } from './turn-service.js';

/** Shadow turns (issue 11): AWF also runs, unseen, on a sampled share of legacy-routed turns. */
export interface ShadowWiring {
  settings: ShadowSettings;
  /** The stored shadow rate from the rollout snapshot (in memory). */
  shadowPercent(): number;
  /** Who counts the runs and drops (SLO aggregates, metrics). */
  observers: readonly ShadowObserver[];
  now?: () => number;
  onError?: (error: unknown) => void;
}

export interface TurnsWiring {
  content: Content;
  /** Each pipeline's own model provider (they may be the same one). */
  providers: { awf: ModelProvider; legacy: ModelProvider };
  database: Database;
  /** The rollout capability's decide(). */
  router: Router;
  observers?: readonly TurnObserver[];
  clock?: () => Date;
  /** Run shadow turns on the AWF provider; absent: none. */
  shadow?: ShadowWiring;
}

/** The turn service, and its shadow runner when shadow turns are wired (close it before the store). */
export type Turns = TurnService & { readonly shadow: ShadowRunner | undefined };

/** The turns capability: sessions, routing through the router, each pipeline on its own provider. */
export function createTurns(wiring: TurnsWiring): Turns {
  const { content, providers } = wiring;
  const sessions = wiring.database.sessions;
  const runAwf: Parameters<typeof createTurnService>[0]['runAwfTurn'] = (request) =>
    runAwfTurn({ content, provider: providers.awf }, request);
  const shadow = wiring.shadow
    ? createShadowRunner({
        settings: wiring.shadow.settings,
        shadowPercent: wiring.shadow.shadowPercent,
        runAwfTurn: runAwf,
        async recentTurns(sessionId, beforeTurnNo) {
          const turns = await sessions.recentTurns(sessionId, { last: RECENT_TURNS, beforeTurnNo });
          return turns.map((turn) => ({ turn: turn.turnNo, input: turn.input, txt: turn.txt }));
        },
        observers: wiring.shadow.observers,
        ...(wiring.shadow.now ? { now: wiring.shadow.now } : {}),
        ...(wiring.shadow.onError ? { onError: wiring.shadow.onError } : {}),
      })
    : undefined;
  const service = createTurnService({
    content: wiring.content,
    sessions,
    router: wiring.router,
    runAwfTurn: runAwf,
    runLegacyTurn: (request) => runLegacyTurn({ content, provider: providers.legacy }, request),
    observers: [...(wiring.observers ?? []), ...(shadow ? [shadow.observer] : [])],
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  return { ...service, shadow };
}
