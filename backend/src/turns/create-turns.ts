import type { Content } from '../content/content-types.js';
import type { ModelProvider } from '../model/model-provider.js';
import type { Router } from '../rollout/route-decision.js';
import type { Database } from '../store/database.js';
import { createKyselySessionStore } from '../store/kysely-session-store.js';
import { runAwfTurn } from './awf/awf-turn.js';
import { runLegacyTurn } from './legacy/legacy-turn.js';
import { createTurnService, type TurnObserver, type TurnService } from './turn-service.js';

export interface TurnsWiring {
  content: Content;
  /** Each pipeline's own model provider (they may be the same one). */
  providers: { awf: ModelProvider; legacy: ModelProvider };
  database: Database;
  /** The rollout capability's decide(). */
  router: Router;
  observers?: readonly TurnObserver[];
  clock?: () => Date;
}

/** The turns capability: sessions, routing through the router, each pipeline on its own provider. */
export function createTurns(wiring: TurnsWiring): TurnService {
  const { content, providers } = wiring;
  return createTurnService({
    content: wiring.content,
    sessions: createKyselySessionStore(wiring.database.db),
    router: wiring.router,
    runAwfTurn: (request) => runAwfTurn({ content, provider: providers.awf }, request),
    runLegacyTurn: (request) => runLegacyTurn({ content, provider: providers.legacy }, request),
    observers: wiring.observers ?? [],
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
}
