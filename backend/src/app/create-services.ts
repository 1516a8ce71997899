import type { Config } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { Content } from '../content/content-types.js';
import { createModelProvider } from '../model/create-provider.js';
import type { ModelProvider } from '../model/model-provider.js';
import { type Database, openDatabase } from '../store/database.js';
import { createKyselySessionStore } from '../store/kysely-session-store.js';
import { runAwfTurn } from '../turns/awf/awf-turn.js';
import { runLegacyTurn } from '../turns/legacy/legacy-turn.js';
import { decideRoute, environmentSnapshot, type RouteDecision, type RouteSubject } from '../turns/router.js';
import { createTurnService, type TurnObserver, type TurnService } from '../turns/turn-service.js';

/** Everything a process (server, script, golden runner) needs, wired once. */
export interface Services {
  config: Config;
  content: Content;
  database: Database;
  provider: ModelProvider;
  turns: TurnService;
  route(subject: RouteSubject): RouteDecision;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Replace the configured provider (tests, the golden runner's fault settings). */
  provider?: ModelProvider;
  observers?: TurnObserver[];
  clock?: () => Date;
}

/** The one place the process is wired (CONVENTIONS 2). */
export async function createServices(config: Config, options: CreateServicesOptions = {}): Promise<Services> {
  const content = loadContent(config.content.dir);
  const provider = options.provider ?? createModelProvider(config.model, content);
  const database = await openDatabase(config.store);
  const snapshot = environmentSnapshot(config.rollout.envGlobalFlag, config.rollout.envPercent);
  const switches = {
    emergencyFallback: config.rollout.emergencyFallback,
    legacyTurnEnabled: config.rollout.legacyTurnEnabled,
  };
  const route = (subject: RouteSubject): RouteDecision =>
    decideRoute(switches, snapshot, subject, Date.now());
  const pipelines = { content, provider };
  const turns = createTurnService({
    content,
    sessions: createKyselySessionStore(database.db),
    route,
    runAwfTurn: (request) => runAwfTurn(pipelines, request),
    runLegacyTurn: (request) => runLegacyTurn(pipelines, request),
    observers: options.observers ?? [],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { config, content, database, provider, turns, route, close: () => database.close() };
}
