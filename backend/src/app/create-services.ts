import type { AuditAppender } from '../audit/audit-types.js';
import type { Config } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { Content } from '../content/content-types.js';
import { createModelProvider } from '../model/create-provider.js';
import type { ModelProvider } from '../model/model-provider.js';
import { createSloService, type SloService } from '../slos/awf-slos.js';
import { createKyselySloStore } from '../slos/kysely-slo-store.js';
import { createTurnMetrics, type TurnMetrics } from '../slos/turn-metrics.js';
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
  /** SLO aggregates, evaluation, alerts and history (slos/awf-slos.ts). */
  slos: SloService;
  /** This instance's Prometheus metrics (GET /metrics). */
  metrics: TurnMetrics;
  route(subject: RouteSubject): RouteDecision;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Replace the configured provider (tests, the golden runner's fault settings). */
  provider?: ModelProvider;
  observers?: TurnObserver[];
  clock?: () => Date;
  /** Where SLO alerts are audited (the audit logger). */
  audit?: AuditAppender;
  /** Start the SLO flush and evaluation timers (default true); scripts that only read pass false. */
  sloTimers?: boolean;
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
  const slos = createSloService({
    store: createKyselySloStore(database, options.audit),
    thresholds: config.slo,
    settings: {
      evaluationWindow: config.sloMonitoring.evaluationWindow,
      evaluationIntervalMs: config.sloMonitoring.evaluationIntervalSeconds * 1000,
      flushIntervalMs: config.sloMonitoring.flushIntervalSeconds * 1000,
      minSample: config.sloMonitoring.minSample,
      resolveHysteresisPct: config.sloMonitoring.resolveHysteresisPct,
      retentionDays: config.sloMonitoring.retentionDays,
      webhookUrl: config.sloMonitoring.alertWebhookUrl,
    },
    instanceId: config.instanceId,
    ...(options.clock ? { now: () => (options.clock as () => Date)().getTime() } : {}),
  });
  const metrics = createTurnMetrics({
    turnP95Ms: config.slo.turnP95Ms,
    sloReport: slos.lastReport,
    // Until the rollout service is wired: the environment's flag and percent, no overrides.
    rollout: () => ({
      percent: snapshot.percent,
      globalEnabled: snapshot.globalEnabled,
      overrides: { user: 0, session: 0 },
    }),
  });
  const turns = createTurnService({
    content,
    sessions: createKyselySessionStore(database.db),
    route,
    runAwfTurn: (request) => runAwfTurn(pipelines, request),
    runLegacyTurn: (request) => runLegacyTurn(pipelines, request),
    observers: [slos.observer, metrics.observer, ...(options.observers ?? [])],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  if (options.sloTimers ?? true) slos.start();
  return {
    config,
    content,
    database,
    provider,
    turns,
    slos,
    metrics,
    route,
    async close() {
      await slos.close();
      await database.close();
    },
  };
}
