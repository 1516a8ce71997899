import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FeedbackObserver } from '../feedback/feedback-types.js';
import type { Pipeline } from '../game/game-types.js';
import { LEGACY_FAILURE_REASONS } from '../turns/legacy/legacy-turn.js';
import { SHADOW_DROP_REASONS, type ShadowObserver } from '../turns/shadow/shadow-runner.js';
import type { TurnObserver } from '../turns/turn-service.js';
import type { SloReport } from './awf-slos.js';
import {
  FEEDBACK_GUARDRAIL,
  SHADOW_SLO_DEFINITIONS,
  SLO_DEFINITIONS,
  type SloState,
} from './slo-definitions.js';
import { FAILED_TURN_FALLBACK_REASONS, failedTurnSample } from './turn-aggregates.js';

/** What the rollout gauges show; read on each scrape. */
export interface RolloutGauges {
  percent: number;
  globalEnabled: boolean;
  /** Unexpired overrides by kind. */
  overrides: { user: number; session: number };
  /** EMERGENCY_FALLBACK: every turn goes to legacy, whatever the flag and percent say. */
  emergencyFallback: boolean;
  /** LEGACY_TURN_ENABLED: every turn goes to legacy (below the emergency fallback). */
  legacyTurnEnabled: boolean;
}

export interface TurnMetricsOptions {
  /** SLO_TURN_P95_MS: the latency histogram gets a bucket edge exactly here. */
  turnP95Ms: number;
  /** The last SLO evaluation, for the SLO gauges. */
  sloReport?: () => SloReport | undefined;
  rollout?: () => RolloutGauges | Promise<RolloutGauges | undefined> | undefined;
  /** Node process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
  /** AWF_METRICS_TOKEN: when set, a scrape must present it as a Bearer token. */
  scrapeToken?: string | undefined;
}

/** Whether a scrape may read the metrics: no token configured or the right one, none sent, or a wrong one. */
export type ScrapeAccess = 'allowed' | 'missing' | 'invalid';

/** Prometheus metrics of this process, in a registry of its own (one per app, so tests do not share). */
export interface TurnMetrics {
  readonly registry: Registry;
  /** Counts every turn, committed or failed; wire it into the turn service's observers. */
  readonly observer: TurnObserver;
  /** Counts every stored rating; wire it into the feedback service. */
  readonly feedbackObserver: FeedbackObserver;
  /** Counts shadow runs as pipeline="awf_shadow" and their drops; wire it into the shadow runner. */
  readonly shadowObserver: ShadowObserver;
  /** The exposition text and its content type, for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Checks a request's Authorization header against AWF_METRICS_TOKEN (constant time); open when unset. */
  authorizeScrape(authorization: string | undefined): ScrapeAccess;
}

/** Bucket edges (seconds) around typical model latencies; the SLO threshold is added to them. */
const BASE_LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 10, 15, 20, 30, 60];
const BUNDLE_BUCKETS_BYTES = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
const FALLBACK_REASONS = ['invalid_output', 'provider_error', 'timeout', ...FAILED_TURN_FALLBACK_REASONS];
const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const SLO_STATES: readonly SloState[] = ['ok', 'warning', 'critical', 'insufficient_data'];

/** The latency histogram's edges in seconds: the base edges plus SLO_TURN_P95_MS / 1000, sorted. */
export function latencyBucketsSeconds(turnP95Ms: number): number[] {
  const edge = turnP95Ms / 1000;
  return [...new Set([...BASE_LATENCY_BUCKETS_S, edge])].sort((a, b) => a - b);
}

/** The `le` label of the threshold's bucket as the exposition writes it (the rules match it exactly). */
export function thresholdBucketLabel(turnP95Ms: number): string {
  return String(turnP95Ms / 1000);
}

/** Metric names the rules generator and the docs refer to. */
export const METRIC_NAMES = {
  turnLatency: 'awf_turn_latency_seconds',
  turns: 'awf_turns_total',
  invalidRetries: 'awf_turn_invalid_retries_total',
  fallbacks: 'awf_turn_fallbacks_total',
  failures: 'awf_turn_failures_total',
  legacyFailures: 'awf_legacy_failures_total',
  bundleSize: 'awf_bundle_size_bytes',
  tokens: 'awf_model_tokens_total',
  rolloutPercent: 'awf_rollout_percent',
  rolloutGlobalEnabled: 'awf_rollout_global_enabled',
  rolloutOverrides: 'awf_rollout_overrides',
  rolloutEmergencyFallback: 'awf_rollout_emergency_fallback',
  rolloutLegacyTurnEnabled: 'awf_rollout_legacy_turn_enabled',
  sloState: 'awf_slo_state',
  sloThresholdRatio: 'awf_slo_threshold_ratio',
  sloWindowTurns: 'awf_slo_window_turns',
  sloAlertFiring: 'awf_slo_alert_firing',
  feedback: 'awf_feedback_total',
  feedbackReplaced: 'awf_feedback_replaced_total',
  shadowRuns: 'awf_shadow_runs_total',
  shadowDropped: 'awf_shadow_dropped_total',
  shadowCompared: 'awf_shadow_compared_total',
  shadowAgreement: 'awf_shadow_agreement_total',
} as const;

/**
 * The turn metrics of DESIGN §7 / the seed's "Key Metrics": latency histogram, turns, invalid
 * retries, fallbacks by reason, bundle size, tokens; plus rollout and SLO gauges read at scrape time.
 * The `pipeline` label is where the router sent the turn, so an AWF turn that fell back is `awf`.
 */
export function createTurnMetrics(options: TurnMetricsOptions): TurnMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, which promtool's lint rejects (a suffix for counters).
    for (const misnamed of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(misnamed);
  }

  const latency = new Histogram({
    name: METRIC_NAMES.turnLatency,
    help: 'Turn latency by the pipeline the turn was routed to; a bucket edge sits at SLO_TURN_P95_MS.',
    labelNames: ['pipeline'],
    buckets: latencyBucketsSeconds(options.turnP95Ms),
    registers: [registry],
  });
  const turns = new Counter({
    name: METRIC_NAMES.turns,
    help: 'Turns (committed or failed outright) by the pipeline the turn was routed to.',
    labelNames: ['pipeline'],
    registers: [registry],
  });
  const retries = new Counter({
    name: METRIC_NAMES.invalidRetries,
    help: 'AWF turns whose first model output failed validation and were retried once.',
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: METRIC_NAMES.fallbacks,
    help: 'AWF turns answered by the legacy pipeline, or failed outright (legacy_unavailable, turn_failed), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const failures = new Counter({
    name: METRIC_NAMES.failures,
    help: 'Turns that failed outright (the player got an error), by routed pipeline and error code.',
    labelNames: ['pipeline', 'code'],
    registers: [registry],
  });
  const legacyFailures = new Counter({
    name: METRIC_NAMES.legacyFailures,
    help: 'Turns failed because legacy could not answer (LEGACY_UNAVAILABLE), by routed pipeline and reason (provider_error, timeout, unparseable_answer).',
    labelNames: ['pipeline', 'reason'],
    registers: [registry],
  });
  const bundleSize = new Histogram({
    name: METRIC_NAMES.bundleSize,
    help: 'Size of the AWF bundle sent to the model.',
    buckets: BUNDLE_BUCKETS_BYTES,
    registers: [registry],
  });
  const tokens = new Counter({
    name: METRIC_NAMES.tokens,
    help: 'Model tokens used, by routed pipeline and direction (in: prompt, out: completion).',
    labelNames: ['pipeline', 'direction'],
    registers: [registry],
  });

  const feedback = new Counter({
    name: METRIC_NAMES.feedback,
    help: 'Player ratings stored, by the pipeline that answered the turn (a fallback is legacy), rating and reason (none: no reason); a replacement counts its new rating.',
    labelNames: ['pipeline', 'rating', 'reason'],
    registers: [registry],
  });
  const feedbackReplaced = new Counter({
    name: METRIC_NAMES.feedbackReplaced,
    help: 'Player ratings withdrawn because the player rated the same turn again; awf_feedback_total minus this counts each turn once.',
    labelNames: ['pipeline', 'rating', 'reason'],
    registers: [registry],
  });
  for (const pipeline of ['awf', 'legacy'] as const) {
    for (const rating of ['up', 'down'] as const) {
      feedback.labels(pipeline, rating, 'none').inc(0);
      feedbackReplaced.labels(pipeline, rating, 'none').inc(0);
    }
  }

  // Bind children once and zero them, so every series exists from the first scrape (rate() needs it).
  const bind = (pipeline: Pipeline) => {
    latency.zero({ pipeline });
    turns.labels(pipeline).inc(0);
    tokens.labels(pipeline, 'in').inc(0);
    tokens.labels(pipeline, 'out').inc(0);
    failures.labels(pipeline, 'LEGACY_UNAVAILABLE').inc(0);
    for (const reason of LEGACY_FAILURE_REASONS) legacyFailures.labels(pipeline, reason).inc(0);
    return {
      latency: latency.labels(pipeline),
      turns: turns.labels(pipeline),
      tokensIn: tokens.labels(pipeline, 'in'),
      tokensOut: tokens.labels(pipeline, 'out'),
    };
  };
  const byPipeline = { awf: bind('awf'), legacy: bind('legacy') };

  // Shadow runs (issue 11): the same latency, turns and tokens series under pipeline="awf_shadow" (the
  // SLO rules select pipeline="awf", so they never count them), and their outcomes, drops and agreement.
  latency.zero({ pipeline: 'awf_shadow' });
  const shadowSeries = {
    latency: latency.labels('awf_shadow'),
    turns: turns.labels('awf_shadow'),
    tokensIn: tokens.labels('awf_shadow', 'in'),
    tokensOut: tokens.labels('awf_shadow', 'out'),
  };
  shadowSeries.turns.inc(0);
  shadowSeries.tokensIn.inc(0);
  shadowSeries.tokensOut.inc(0);
  const shadowRuns = new Counter({
    name: METRIC_NAMES.shadowRuns,
    help: 'Shadow runs (AWF on legacy-routed turns, never shown) by outcome: valid_first, valid_after_retry, would_fall_back.',
    labelNames: ['pipeline', 'outcome'],
    registers: [registry],
  });
  for (const outcome of ['valid_first', 'valid_after_retry', 'would_fall_back']) {
    shadowRuns.labels('awf_shadow', outcome).inc(0);
  }
  const shadowDropped = new Counter({
    name: METRIC_NAMES.shadowDropped,
    help: 'Sampled turns whose shadow run was dropped, by reason (queue_full, rate_cap, shutdown, error).',
    labelNames: ['pipeline', 'reason'],
    registers: [registry],
  });
  for (const reason of SHADOW_DROP_REASONS) shadowDropped.labels('awf_shadow', reason).inc(0);
  const shadowCompared = new Counter({
    name: METRIC_NAMES.shadowCompared,
    help: 'Shadow runs with valid output, compared with the answer that was served.',
    labelNames: ['pipeline'],
    registers: [registry],
  });
  shadowCompared.labels('awf_shadow').inc(0);
  const shadowAgreement = new Counter({
    name: METRIC_NAMES.shadowAgreement,
    help: 'Compared shadow runs that agreed with the served answer, by aspect (scene, scene_change, acts).',
    labelNames: ['pipeline', 'aspect'],
    registers: [registry],
  });
  for (const aspect of ['scene', 'scene_change', 'acts']) shadowAgreement.labels('awf_shadow', aspect).inc(0);
  for (const reason of FALLBACK_REASONS) fallbacks.labels(reason).inc(0);
  retries.inc(0);

  new Gauge({
    name: METRIC_NAMES.rolloutPercent,
    help: 'The effective AWF rollout percentage (0-100).',
    registers: [registry],
    async collect() {
      const rollout = await options.rollout?.();
      if (rollout) this.set(rollout.percent);
    },
  });
  new Gauge({
    name: METRIC_NAMES.rolloutGlobalEnabled,
    help: 'The effective global AWF flag (1 on, 0 off); EMERGENCY_FALLBACK and LEGACY_TURN_ENABLED win over it.',
    registers: [registry],
    async collect() {
      const rollout = await options.rollout?.();
      if (rollout) this.set(rollout.globalEnabled ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC_NAMES.rolloutEmergencyFallback,
    help: 'EMERGENCY_FALLBACK of this process (1: every turn goes to legacy, above everything else).',
    registers: [registry],
    async collect() {
      const rollout = await options.rollout?.();
      if (rollout) this.set(rollout.emergencyFallback ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC_NAMES.rolloutLegacyTurnEnabled,
    help: 'LEGACY_TURN_ENABLED of this process (1: every turn goes to legacy).',
    registers: [registry],
    async collect() {
      const rollout = await options.rollout?.();
      if (rollout) this.set(rollout.legacyTurnEnabled ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC_NAMES.rolloutOverrides,
    help: 'Unexpired rollout overrides by kind.',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const rollout = await options.rollout?.();
      if (!rollout) return;
      this.labels('user').set(rollout.overrides.user);
      this.labels('session').set(rollout.overrides.session);
    },
  });

  const sloState = new Gauge({
    name: METRIC_NAMES.sloState,
    help: 'SLO state at the last evaluation (1 for the current state, 0 for the others).',
    labelNames: ['slo', 'state'],
    registers: [registry],
    collect() {
      const report = options.sloReport?.();
      if (!report) return;
      for (const result of [...report.slos, ...(report.shadowSlos ?? [])]) {
        for (const state of SLO_STATES)
          sloState.labels(result.slo, state).set(result.state === state ? 1 : 0);
      }
    },
  });
  const thresholdRatio = new Gauge({
    name: METRIC_NAMES.sloThresholdRatio,
    help: 'SLO value divided by its threshold at the last evaluation (above 1: violated).',
    labelNames: ['slo'],
    registers: [registry],
    collect() {
      const report = options.sloReport?.();
      if (!report) return;
      for (const result of [...report.slos, ...(report.shadowSlos ?? [])]) {
        if (result.value !== null && result.threshold > 0) {
          thresholdRatio.labels(result.slo).set(result.value / result.threshold);
        }
      }
    },
  });
  new Gauge({
    name: METRIC_NAMES.sloWindowTurns,
    help: 'AWF turns in the SLO evaluation window at the last evaluation (all instances).',
    registers: [registry],
    collect() {
      const report = options.sloReport?.();
      if (report) this.set(report.awf.turns);
    },
  });
  const alertFiring = new Gauge({
    name: METRIC_NAMES.sloAlertFiring,
    help: 'Whether the SLO alert is open (1) or not (0), with the seed severity.',
    labelNames: ['slo', 'severity'],
    registers: [registry],
    collect() {
      const report = options.sloReport?.();
      if (!report) return;
      const guarded = report.slos.some((result) => result.slo === FEEDBACK_GUARDRAIL.name);
      for (const definition of guarded ? [...SLO_DEFINITIONS, FEEDBACK_GUARDRAIL] : SLO_DEFINITIONS) {
        const isOpen = report.alerts.some((alert) => alert.slo === definition.name);
        alertFiring.labels(definition.name, definition.severity).set(isOpen ? 1 : 0);
      }
      if (!report.shadowSlos) return;
      for (const definition of SHADOW_SLO_DEFINITIONS) {
        const isOpen = (report.shadowAlerts ?? []).some((alert) => alert.slo === definition.name);
        alertFiring.labels(definition.name, definition.severity).set(isOpen ? 1 : 0);
      }
    },
  });

  return {
    registry,
    observer: {
      onTurn({ result, decision }) {
        const series = byPipeline[decision.pipeline];
        series.latency.observe(result.latencyMs / 1000);
        series.turns.inc();
        if (result.tokens.in > 0) series.tokensIn.inc(result.tokens.in);
        if (result.tokens.out > 0) series.tokensOut.inc(result.tokens.out);
        if (decision.pipeline !== 'awf') return;
        if (result.retried) retries.inc();
        if (result.fallback) fallbacks.labels(result.fallbackReason ?? 'unknown').inc();
        if (result.bundleBytes > 0) bundleSize.observe(result.bundleBytes);
      },
      onTurnFailed(event) {
        const sample = failedTurnSample(event);
        const series = byPipeline[sample.pipeline];
        series.latency.observe(sample.latencyMs / 1000);
        series.turns.inc();
        failures.labels(sample.pipeline, event.errorCode).inc();
        if (event.errorCode === 'LEGACY_UNAVAILABLE') {
          legacyFailures.labels(sample.pipeline, event.reason ?? 'unknown').inc();
        }
        if (sample.fallback) fallbacks.labels(sample.fallbackReason ?? 'unknown').inc();
      },
    },
    feedbackObserver: {
      onFeedback({ pipeline, previous, current }) {
        feedback.labels(pipeline, current.rating, current.reason ?? 'none').inc();
        if (previous) feedbackReplaced.labels(pipeline, previous.rating, previous.reason ?? 'none').inc();
      },
    },
    shadowObserver: {
      onShadowRun(run) {
        shadowSeries.latency.observe(run.latencyMs / 1000);
        shadowSeries.turns.inc();
        if (run.tokens.in > 0) shadowSeries.tokensIn.inc(run.tokens.in);
        if (run.tokens.out > 0) shadowSeries.tokensOut.inc(run.tokens.out);
        shadowRuns.labels('awf_shadow', run.outcome).inc();
        if (!run.agreement) return;
        shadowCompared.labels('awf_shadow').inc();
        if (run.agreement.sameScene) shadowAgreement.labels('awf_shadow', 'scene').inc();
        if (run.agreement.sameSceneChange) shadowAgreement.labels('awf_shadow', 'scene_change').inc();
        if (run.agreement.sameActs) shadowAgreement.labels('awf_shadow', 'acts').inc();
      },
      onShadowDropped(reason) {
        shadowDropped.labels('awf_shadow', reason).inc();
      },
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    authorizeScrape: scrapeAuthorizer(options.scrapeToken),
  };
}

function scrapeAuthorizer(token: string | undefined): (authorization: string | undefined) => ScrapeAccess {
  if (token === undefined) return () => 'allowed';
  // Comparing digests keeps the comparison constant-time whatever length the caller sends.
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const expected = digest(token);
  return (authorization) => {
    const header = authorization?.trim() ?? '';
    if (header === '') return 'missing';
    const match = /^Bearer(?:\s+(.*))?$/i.exec(header);
    if (!match) return 'invalid';
    const presented = match[1]?.trim() ?? '';
    if (presented === '') return 'missing';
    return timingSafeEqual(digest(presented), expected) ? 'allowed' : 'invalid';
  };
}
