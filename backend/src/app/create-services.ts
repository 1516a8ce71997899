import { loadCheckpointSigner } from '../audit/audit-checkpoints.js';
import {
  type AuditLogger,
  createAuditLogger,
  releaseProcessAuditLogger,
  setProcessAuditLogger,
} from '../audit/audit-logger.js';
import type { AuditAppender } from '../audit/audit-types.js';
import { type AuthService, createAuthService } from '../auth/auth-service.js';
import { createKyselyAuthStore } from '../auth/kysely-auth-store.js';
import type { Config } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { Content } from '../content/content-types.js';
import { createModelProvider } from '../model/create-provider.js';
import type { ModelProvider } from '../model/model-provider.js';
import { releaseProcessRouter, setProcessRouter } from '../rollout/canary-rollout.js';
import { createKyselyRolloutStore } from '../rollout/kysely-rollout-store.js';
import { createRolloutService, type RolloutService } from '../rollout/rollout-service.js';
import { createRolloutStateCache, type RolloutStateCache } from '../rollout/rollout-state-cache.js';
import { decideRoute, type RouteDecision, type RouteSubject } from '../rollout/route-decision.js';
import { createKyselyTurnsReadModel } from '../rollout/turns-read-model.js';
import { createSloService, type SloService } from '../slos/awf-slos.js';
import { createKyselySloStore } from '../slos/kysely-slo-store.js';
import { createTurnMetrics, type TurnMetrics } from '../slos/turn-metrics.js';
import { type Database, openDatabase } from '../store/database.js';
import { createKyselySessionStore } from '../store/kysely-session-store.js';
import { runAwfTurn } from '../turns/awf/awf-turn.js';
import { runLegacyTurn } from '../turns/legacy/legacy-turn.js';
import { releaseProcessTurns, setProcessTurns } from '../turns/process-turns.js';
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
  /** The hash-chained audit log (audit/audit-logger.ts); append with appendInTransaction or append. */
  audit: AuditLogger;
  /** Actors, roles, tokens and the per-actor change limit (auth/auth-service.ts). */
  auth: AuthService;
  /** Global flag, percentage, overrides and distribution (rollout/rollout-service.ts). */
  rollout: RolloutService;
  /** The router's in-memory snapshot of the stored rollout state, kept fresh by polling/LISTEN. */
  rolloutState: RolloutStateCache;
  route(subject: RouteSubject): RouteDecision;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Replace the configured provider (tests, the golden runner's fault settings). */
  provider?: ModelProvider;
  observers?: TurnObserver[];
  clock?: () => Date;
  /** Where SLO alerts are audited (default: this process's audit logger). */
  audit?: AuditAppender;
  /** Start the SLO flush and evaluation timers (default true); scripts that only read pass false. */
  sloTimers?: boolean;
  /** Keep the rollout snapshot fresh by polling (and LISTEN on PostgreSQL); default true. */
  watchRollout?: boolean;
}

/** The one place the process is wired (CONVENTIONS 2). */
export async function createServices(config: Config, options: CreateServicesOptions = {}): Promise<Services> {
  const content = loadContent(config.content.dir);
  const provider = options.provider ?? createModelProvider(config.model, content);
  const database = await openDatabase(config.store);
  const clock = options.clock ?? (() => new Date());
  const audit = createAuditLogger({
    database,
    clock,
    checkpointEvery: config.audit.checkpointEvery,
    ...(config.audit.signingKeyFile ? { signer: loadCheckpointSigner(config.audit.signingKeyFile) } : {}),
  });
  const auth = createAuthService({
    database,
    store: createKyselyAuthStore(),
    audit,
    rateLimit: { changes: config.auth.changeRateLimit, windowSec: config.auth.changeRateWindowSec },
    clock,
  });
  const rolloutStore = createKyselyRolloutStore();
  const rollout = createRolloutService({
    database,
    store: rolloutStore,
    audit,
    rateLimiter: auth,
    turnsReadModel: createKyselyTurnsReadModel(database.db),
    env: config.rollout,
    clock,
  });
  const rolloutState = createRolloutStateCache({
    db: database.db,
    store: rolloutStore,
    env: config.rollout,
    intervalMs: config.rollout.pollIntervalMs,
    notifications: database.adapter,
    onStateError: (error) =>
      console.warn(`rollout state unreadable, routing every turn to legacy: ${(error as Error).message}`),
    onStateRecovered: () => console.warn('rollout state readable again'),
  });
  await rolloutState.refresh();
  if (options.watchRollout ?? true) rolloutState.start();
  const switches = {
    emergencyFallback: config.rollout.emergencyFallback,
    legacyTurnEnabled: config.rollout.legacyTurnEnabled,
  };
  const nowMs = options.clock ? () => clock().getTime() : Date.now;
  const route = (subject: RouteSubject): RouteDecision =>
    decideRoute(switches, rolloutState.current(), subject, nowMs());
  const pipelines = { content, provider };
  const slos = createSloService({
    store: createKyselySloStore(database, options.audit ?? audit),
    thresholds: config.slo,
    settings: {
      evaluationWindow: config.sloMonitoring.evaluationWindow,
      evaluationIntervalMs: config.sloMonitoring.evaluationIntervalSeconds * 1000,
      flushIntervalMs: config.sloMonitoring.flushIntervalSeconds * 1000,
      minSample: config.sloMonitoring.minSample,
      resolveHysteresisPct: config.sloMonitoring.resolveHysteresisPct,
      retentionDays: config.sloMonitoring.retentionDays,
      webhookUrl: config.sloMonitoring.alertWebhookUrl,
      noDataResolveEvaluations: config.sloMonitoring.noDataResolveEvaluations,
    },
    instanceId: config.instanceId,
    ...(options.clock ? { now: () => (options.clock as () => Date)().getTime() } : {}),
  });
  const metrics = createTurnMetrics({
    turnP95Ms: config.slo.turnP95Ms,
    scrapeToken: config.metrics.scrapeToken,
    sloReport: slos.lastReport,
    rollout: () =>
      rolloutState.summary(nowMs()) ?? {
        percent: 0,
        globalEnabled: false,
        overrides: { user: 0, session: 0 },
      },
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
  setProcessRouter(route);
  setProcessTurns(turns);
  setProcessAuditLogger(audit);
  return {
    config,
    content,
    database,
    provider,
    turns,
    slos,
    metrics,
    audit,
    auth,
    rollout,
    rolloutState,
    route,
    async close() {
      releaseProcessRouter(route);
      releaseProcessTurns(turns);
      releaseProcessAuditLogger(audit);
      await rolloutState.stop();
      await slos.close();
      await database.close();
    },
  };
}
