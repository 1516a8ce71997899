import { type AuditLogger, processAuditLogger } from '../audit/audit-logger.js';
import type { AuditAppender } from '../audit/audit-types.js';
import { createAudit } from '../audit/create-audit.js';
import type { AuthService } from '../auth/auth-service.js';
import { createAuth } from '../auth/create-auth.js';
import type { Config } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { Content } from '../content/content-types.js';
import { lazyContent } from '../content/lazy-content.js';
import { createDashboard, type Dashboard } from '../dashboard/create-dashboard.js';
import { createDecommission } from '../decommission/create-decommission.js';
import type { DecommissionService } from '../decommission/decommission-service.js';
import { createFeedback } from '../feedback/create-feedback.js';
import type { FeedbackService } from '../feedback/feedback-service.js';
import { createModelProvider } from '../model/create-provider.js';
import type { ModelProvider } from '../model/model-provider.js';
import { createPlan, type Plan } from '../plan/create-plan.js';
import { createRetention } from '../retention/create-retention.js';
import type { RetentionService } from '../retention/retention-service.js';
import { processRouter } from '../rollout/canary-rollout.js';
import { createRollout } from '../rollout/create-rollout.js';
import { createOfrep, type Ofrep } from '../rollout/ofrep/create-ofrep.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { RolloutStateCache } from '../rollout/rollout-state-cache.js';
import type { Router } from '../rollout/route-decision.js';
import type { SloLog } from '../slos/alert-delivery.js';
import type { SloService } from '../slos/awf-slos.js';
import { createSlos } from '../slos/create-slos.js';
import type { TurnMetrics } from '../slos/turn-metrics.js';
import { type Database, openDatabase } from '../store/database.js';
import { createTurns } from '../turns/create-turns.js';
import { processTurns } from '../turns/process-turns.js';
import type { ShadowRunner } from '../turns/shadow/shadow-runner.js';
import type { TurnObserver, TurnService } from '../turns/turn-service.js';

/** Everything a process (server, script, golden runner) needs, wired once. */
export interface Services {
  config: Config;
  content: Content;
  database: Database;
  /** The AWF pipeline's model provider. */
  provider: ModelProvider;
  /** The legacy pipeline's model provider (AWF_LEGACY_MODEL_*; the AWF one's settings by default). */
  legacyProvider: ModelProvider;
  turns: TurnService;
  /** Shadow turns (issue 11): AWF on a sampled share of legacy-routed turns, after the answer, never shown. */
  shadow: ShadowRunner | undefined;
  /** SLO aggregates, evaluation, alerts and history (slos/awf-slos.ts). */
  slos: SloService;
  /** This instance's Prometheus metrics (GET /metrics). */
  metrics: TurnMetrics;
  /** The hash-chained audit log (audit/audit-logger.ts); append with appendInTransaction or append. */
  audit: AuditLogger;
  /** Player ratings of turns, counted into the SLO aggregates (feedback/feedback-service.ts). */
  feedback: FeedbackService;
  /** Actors, roles, tokens and the per-actor change limit (auth/auth-service.ts). */
  auth: AuthService;
  /** Global flag, percentage, overrides and distribution (rollout/rollout-service.ts). */
  rollout: RolloutService;
  /** The router's in-memory snapshot of the stored rollout state, kept fresh by polling/LISTEN. */
  rolloutState: RolloutStateCache;
  /** The one routing decision (rollout/route-decision.ts) over the live snapshot. */
  router: Router;
  /** OFREP flag evaluation over the same router, its per-minute counts and per-token rate limit. */
  ofrep: Ofrep;
  /** The data-retention policy and the pruning that enforces it (retention/retention-service.ts). */
  retention: RetentionService;
  /** The staged rollout plan (issue 12): the operators' service and the controller (plan/create-plan.ts). */
  plan: Pick<Plan, 'service' | 'controller'>;
  /** The decommission check: the seed's prerequisites judged from stored data (decommission/). */
  decommission: DecommissionService;
  /** The operator dashboard's change feed and golden-run reads (dashboard/create-dashboard.ts). */
  dashboard: Dashboard;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Content already loaded (the demo builds its own providers from it); loaded from config otherwise. */
  content?: Content;
  /** Load the content on first use rather than now (admin scripts, which mostly never use it). */
  lazyContent?: boolean;
  /**
   * Replace the configured provider of both pipelines (tests, the golden runner's fault settings), or of
   * AWF alone when `legacyProvider` is given too.
   */
  provider?: ModelProvider;
  /** Replace the legacy pipeline's configured provider. */
  legacyProvider?: ModelProvider;
  observers?: TurnObserver[];
  clock?: () => Date;
  /** Where SLO alerts are audited (default: this process's audit logger). */
  audit?: AuditAppender;
  /** Start the SLO flush and evaluation timers (default true); scripts that only read pass false. */
  sloTimers?: boolean;
  /** Start the retention prune timer (default: as sloTimers, so the server prunes and scripts do not). */
  retentionTimer?: boolean;
  /** Keep the rollout snapshot fresh by polling (and LISTEN on PostgreSQL); default true. */
  watchRollout?: boolean;
  /**
   * Run the staged plan's controller timer (default false: only the server, main.ts, runs it; on
   * PostgreSQL only the holder of the leader lock evaluates). Tests and the simulator call evaluateOnce().
   */
  planController?: boolean;
  /** Run the audit interval checkpoint and witness timers (default true); scripts pass false. */
  auditTimers?: boolean;
  /**
   * Store AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S as the change rate limit while none is
   * stored (default true: the server). Scripts never do: their caller's environment sets no limit.
   */
  seedRateLimit?: boolean;
  /** Where the SLO monitor's alert lines and the plan controller's step lines go (default: the console). */
  log?: SloLog;
}

/**
 * The composition root (CONVENTIONS 2): each capability is wired by its own create-<capability>.ts
 * from its slice of config; this only orders them and hands one to the next.
 */
export async function createServices(config: Config, options: CreateServicesOptions = {}): Promise<Services> {
  const content =
    options.content ??
    (options.lazyContent ? lazyContent(config.content.dir) : loadContent(config.content.dir));
  const provider = options.provider ?? createModelProvider(config.model, content);
  const legacyProvider =
    options.legacyProvider ?? options.provider ?? createModelProvider(config.legacyModel, content);
  const database = await openDatabase(config.store);
  const clock = options.clock;
  const timing = clock ? { clock } : {};
  const audit = createAudit(config.audit, { database, ...timing });
  const auth = createAuth(config.auth, { database, audit, ...timing });
  const seed = config.auth.changeRateSeed;
  if (seed && (options.seedRateLimit ?? true)) {
    const inForce = await auth.seedChangeRateLimit(seed);
    if (inForce.changes !== seed.changes || inForce.windowSec !== seed.windowSec) {
      console.warn(
        `warning: AWF_CHANGE_RATE_LIMIT=${seed.changes} / AWF_CHANGE_RATE_WINDOW_S=${seed.windowSec} ignored: the stored limit (${inForce.changes} per ${inForce.windowSec} s, set by ${inForce.updatedBy} at ${inForce.updatedAt}) applies; change it with awf-actors.ts rate-limit`,
      );
    }
  }
  const rollout = createRollout(config.rollout, {
    database,
    audit,
    rateLimiter: auth,
    // The SLO monitor is wired below; the guard asks it only when a change would raise the rollout.
    alerts: { openCriticalAlerts: () => slos.openCriticalAlerts() },
    // The plan is wired below too; a manual percentage asks it inside the change's transaction.
    plan: { onManualPercentChange: (trx, input) => plan.service.onManualPercentChange(trx, input) },
    ...timing,
  });
  const retention = createRetention(config, { database, audit, rateLimiter: auth, ...timing });
  await rollout.state.refresh();
  if (options.watchRollout ?? true) rollout.state.start();
  const nowMs = clock ? () => clock().getTime() : Date.now;
  const { slos, metrics } = createSlos(config, {
    database,
    audit: options.audit ?? audit,
    ...(clock ? { now: nowMs } : {}),
    rolloutGauges: () => rollout.state.summary(nowMs()),
    rolloutTraffic: { readTraffic: () => rollout.service.awfTraffic() },
    ...(options.log ? { log: options.log } : {}),
  });
  const turns = createTurns({
    content,
    providers: { awf: provider, legacy: legacyProvider },
    database,
    router: rollout.router,
    observers: [slos.observer, metrics.observer, ...(options.observers ?? [])],
    ...timing,
    shadow: {
      settings: config.shadow,
      shadowPercent: () => rollout.state.current()?.shadowPercent ?? 0,
      observers: [slos.shadowObserver, metrics.shadowObserver],
      now: nowMs,
      onError: (error) => console.warn(`shadow run failed (no player affected): ${(error as Error).message}`),
    },
  });
  const feedback = createFeedback(config, {
    database,
    observers: [slos.feedbackObserver, metrics.feedbackObserver],
    retention: slos,
    ...timing,
  });
  const plan = createPlan(config, {
    database,
    audit,
    rollout: rollout.service,
    slos,
    contentHash: () => content.hash,
    ...timing,
    ...(options.log ? { log: options.log } : {}),
  });
  const decommission = createDecommission(config, {
    database,
    rollout: rollout.service,
    audit,
    slos,
    contentHash: () => content.hash,
    ...timing,
  });
  const ofrep = createOfrep(config, { database, router: rollout.router, state: rollout.state, now: nowMs });
  const dashboard = createDashboard({ database, audit, rolloutState: rollout.state, now: nowMs });
  if (options.sloTimers ?? true) slos.start();
  if (options.sloTimers ?? true) ofrep.counter.start();
  if (options.auditTimers ?? true) audit.keeper.start();
  if (options.planController ?? false) plan.controller.start();
  if (options.retentionTimer ?? options.sloTimers ?? true) retention.start();
  processRouter.fill(rollout.router);
  processTurns.fill(turns);
  processAuditLogger.fill(audit);
  return {
    config,
    content,
    database,
    provider,
    legacyProvider,
    turns,
    shadow: turns.shadow,
    slos,
    metrics,
    feedback,
    audit,
    auth,
    rollout: rollout.service,
    rolloutState: rollout.state,
    router: rollout.router,
    ofrep,
    retention,
    plan: { service: plan.service, controller: plan.controller },
    decommission,
    dashboard,
    async close() {
      dashboard.close();
      processRouter.release(rollout.router);
      processTurns.release(turns);
      processAuditLogger.release(audit);
      // Before the SLO flush and the store: queued shadow runs are dropped, running ones get a bounded wait.
      await turns.shadow?.close();
      await plan.controller.close();
      await rollout.state.stop();
      await retention.close();
      await slos.close();
      await ofrep.counter.close();
      await audit.keeper.close();
      await auth.flushDenied();
      await database.close();
    },
  };
}
