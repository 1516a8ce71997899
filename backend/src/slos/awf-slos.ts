/**
 * AWF SLO monitoring (seed: "SLO Monitoring and Alerting"; DESIGN §5): turns are aggregated per minute
 * in memory, flushed per minute and instance to the store, merged over a window (5m | 1h | 24h | 7d)
 * across minutes and instances, judged against the thresholds, and turned into alerts that fire once
 * and resolve once, with a warning line, the seed's suggested actions, callbacks, an optional webhook,
 * and an audit entry. The evaluator also writes each minute's SLO values to history.
 */

import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../audit/audit-types.js';
import type { FeedbackObserver } from '../feedback/feedback-types.js';
import { DEFAULT_ALERT_CONFIDENCE_PCT } from '../shared/slo-windows.js';
import type { ShadowObserver } from '../turns/shadow/shadow-runner.js';
import type { TurnObserver } from '../turns/turn-service.js';
import {
  type AlertDeliveryResult,
  alertEvent,
  alertLogLine,
  consoleSloLog,
  postAlertWebhook,
  type RolledBackRollout,
  redactWebhookUrl,
  type SloAlertCallback,
  type SloAlertEvent,
  type SloLog,
} from './alert-delivery.js';
import { quantileLowerBound, rateLowerBoundPct, zOneSided } from './confidence-bounds.js';
import { type FeedbackSignal, feedbackSignal, judgeFeedbackGuardrail } from './feedback-signal.js';
import {
  type AlertName,
  type AlertUnit,
  alertDefinition,
  FEEDBACK_GUARDRAIL,
  SHADOW_SLO_DEFINITIONS,
  SLO_DEFINITIONS,
  type SloName,
  type SloSeverity,
  type SloState,
  type SloThresholds,
  type SloWindow,
  WINDOW_MINUTES,
} from './slo-definitions.js';
import { buildSloSeries, type SeriesWindow, type SloSeries, seriesRange } from './slo-series.js';
import type { SloAlert, SloHistoryPoint, SloStore, StoredMinute } from './slo-store.js';
import {
  emptyAggregate,
  type FeedbackSample,
  failedTurnSample,
  MINUTE_MS,
  mergeFeedback,
  mergeShadowCounts,
  minuteOf,
  type ShadowSample,
  type TurnAggregate,
  TurnAggregator,
  type TurnBatch,
  type TurnSample,
} from './turn-aggregates.js';

export type { SloAlertCallback, SloAlertEvent } from './alert-delivery.js';
export type { FeedbackSignal, PipelineFeedback } from './feedback-signal.js';
export * from './slo-definitions.js';

/** How the monitor runs; from config (SLO_* variables, see docs/slos.md). */
export interface SloMonitoringSettings {
  /** The window the timer's evaluation judges (and alerts) over. */
  evaluationWindow: SloWindow;
  /** 0: no timer (evaluate() on demand only). */
  evaluationIntervalMs: number;
  /** How often pending minutes are written to the store; 0: only on evaluate() and close(). */
  flushIntervalMs: number;
  /** Fewer AWF turns than this in the window: the SLO is not judged (no fire, no recovery). */
  minSample: number;
  /**
   * An open alert resolves with reason no_data after this many evaluations in a row (by this instance,
   * since the alert opened) without `minSample` AWF turns; 0 keeps it open until data judges it.
   * Default 3.
   */
  noDataResolveEvaluations?: number;
  /** An open alert resolves once the value is this many percent (of the threshold) below it. */
  resolveHysteresisPct: number;
  /**
   * One-sided confidence, percent, of the lower bound an SLO must have above its threshold to be
   * violated (SLO_ALERT_CONFIDENCE); default DEFAULT_ALERT_CONFIDENCE_PCT. 50 judges the point value.
   */
  alertConfidencePct?: number;
  /**
   * When set, the evaluator itself deletes minutes, history and resolved alerts older than this (hourly).
   * The process leaves it unset: the retention capability (retention/) enforces the stored policy.
   */
  retentionDays?: number;
  webhookUrl?: string | undefined;
  webhookTimeoutMs?: number;
}

export interface SloServiceDeps {
  store: SloStore;
  thresholds: SloThresholds;
  settings: SloMonitoringSettings;
  /** This process's name in the per-instance aggregates (AWF_INSTANCE_ID). */
  instanceId: string;
  log?: SloLog;
  /** Epoch ms. */
  now?: () => number;
  fetch?: typeof fetch;
  /**
   * What the rollout lets through to AWF (the wiring hands in the rollout's reader): while it routes
   * nobody to AWF an open alert resolves as rolled_back and none fires. Unset: never rolled back.
   */
  rollout?: RolloutTrafficReader;
}

/** The rollout's AWF traffic as the SLO monitor reads it (rollout-service's `awfTraffic()`). */
export interface RolloutTraffic extends RolledBackRollout {
  /** Nobody is routed to AWF (percent 0, the flag off, a switch; and no unexpired enable override). */
  routesNobodyToAwf: boolean;
  /** Stored AWF-routed turns after the last rollout change. */
  awfTurnsSinceChange: number;
}

export interface RolloutTrafficReader {
  readTraffic(): Promise<RolloutTraffic>;
}

/** One pipeline's turns over a window. Rates in percent; null when there are no turns. */
export interface PipelineSummary {
  turns: number;
  retries: number;
  fallbacks: number;
  fallbackReasons: Record<string, number>;
  /** Turns that failed outright (the player got an error); AWF ones are also fallbacks. */
  failures: number;
  retryRatePct: number | null;
  fallbackRatePct: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyMaxMs: number | null;
}

/**
 * Shadow runs over a window (issue 11): AWF on legacy-routed turns, never shown. Counted like AWF
 * turns (retries, would-be fallbacks by reason, latency), plus how they compare with the served answer
 * and what they cost. Percentages are of `compared` runs (those with valid output); null without any.
 */
export interface ShadowSummary extends PipelineSummary {
  validFirst: number;
  validAfterRetry: number;
  /** = fallbacks: the runs whose answer a player would not have got. */
  wouldFallBack: number;
  compared: number;
  sameScenePct: number | null;
  sameSceneChangePct: number | null;
  sameActsPct: number | null;
  /** Choice labels (normalised) in both answers over labels in either, pooled over compared runs. */
  choiceOverlapPct: number | null;
  /** Model tokens the shadow runs spent on the AWF provider. */
  tokens: { in: number; out: number };
  bundleBytesAvg: number | null;
  /** Sampled turns whose shadow run was dropped (queue full, rate cap, shutdown, error). */
  dropped: number;
  dropReasons: Record<string, number>;
}

/** One SLO (or the feedback guardrail) judged over a window. */
export interface SloResult {
  slo: AlertName;
  title: string;
  unit: AlertUnit;
  severity: SloSeverity;
  /** The point value over the window; null when there were no AWF turns at all. */
  value: number | null;
  /**
   * The one-sided lower confidence bound of the value (Wilson score for the rates, an order statistic
   * for the p95; for the feedback guardrail the value itself, the lower end of its interval). Violated
   * means this is above the threshold, so a point value above it on few turns is not yet a violation.
   */
  lowerBound: number | null;
  /** The confidence of `lowerBound`, percent (one-sided). */
  confidence: number;
  threshold: number;
  state: SloState;
  /** AWF turns in the window (for the feedback guardrail: the smaller pipeline's answered turns). */
  sample: number;
  minSample: number;
  suggestedActions: readonly string[];
}

/** An open alert, with what to do about it. */
export interface OpenSloAlert extends SloAlert {
  title: string;
  unit: AlertUnit;
  suggestedActions: readonly string[];
}

/** How the evaluator's per-minute history looks within the window. */
export interface SloHistorySummary {
  slo: SloName;
  /** Minutes with a history point. */
  minutes: number;
  okMinutes: number;
  violatedMinutes: number;
  insufficientMinutes: number;
}

export interface SloReport {
  window: SloWindow;
  /** ISO 8601: the start of the window's first minute and the evaluation time. */
  from: string;
  to: string;
  /** Instances that reported turns in the window. */
  instances: string[];
  awf: PipelineSummary;
  /** Legacy-routed turns, for comparison; the SLOs judge AWF turns only. */
  legacy: PipelineSummary;
  /** The three SLOs, then the feedback guardrail when SLO_FEEDBACK_DOWN_DELTA is set. */
  slos: SloResult[];
  /** Shadow runs: AWF on sampled legacy-routed turns, judged but never shown (issue 11); status() always fills these three. */
  shadow?: ShadowSummary;
  /** The three SLOs over shadow runs, severity warning; they never fail the slo-status gate. */
  shadowSlos?: SloResult[];
  /** Open shadow alerts (kept apart from `alerts`, which gate deploys). */
  shadowAlerts?: OpenSloAlert[];
  /** Player ratings per answering pipeline and the AWF − legacy down-rate difference (DESIGN §9). */
  feedback: FeedbackSignal;
  /** No SLO violated (an SLO without enough data does not count as violated). */
  healthy: boolean;
  alerts: OpenSloAlert[];
  history: SloHistorySummary[];
  /** The rollout's AWF traffic and the AWF turns since its last change; absent when not wired or unreadable. */
  rollout?: RolloutTraffic;
  /** SLOs whose latest alert the evaluator resolved as rolled_back (the rollback it saw). */
  rolledBack?: Array<{ slo: AlertName; alertId: string; resolvedAt: string }>;
}

export interface SloService {
  /** Feeds every turn, committed or failed, into the hot path; wire it into the turn service's observers. */
  readonly observer: TurnObserver;
  /** Counts every stored rating (a replacement moves the count); wire it into the feedback service. */
  readonly feedbackObserver: FeedbackObserver;
  /** Counts every shadow run and drop into the awf_shadow aggregates; wire it into the shadow runner. */
  readonly shadowObserver: ShadowObserver;
  /** The hot path: in memory, no I/O. */
  recordTurn(sample: TurnSample, atMs?: number): void;
  /** Many turns of one pipeline in one minute at once (the simulator); the same as recording each. */
  recordTurns(batch: TurnBatch, atMs?: number): void;
  /** A rating change into its minute's aggregate, in memory. */
  recordFeedback(sample: FeedbackSample, atMs?: number): void;
  /**
   * Runs `task` with every retention prune (at most hourly, before the minute SLO_RETENTION_DAYS ago),
   * so data kept beside the aggregates (feedback rows) follows the same setting; returns its unregister.
   */
  onPrune(task: (beforeMinute: number) => Promise<unknown>): () => void;
  /** Writes pending minutes to the store (merging with what is there). */
  flush(): Promise<void>;
  /**
   * Every instance's stored minutes within [fromMinute, toMinute], after flushing this instance's
   * pending ones: the read model the staged plan judges its gates over (issue 12).
   */
  minutes(fromMinute: number, toMinute: number): Promise<StoredMinute[]>;
  /** Judges the SLOs over `window` without changing any alert (slo-status, the dashboard). */
  status(window: SloWindow): Promise<SloReport>;
  /** The per-minute aggregates over `window` per step and pipeline, with alert markers (the dashboard's charts). */
  series(window: SeriesWindow): Promise<SloSeries>;
  /** The timer's job, on demand: judge the evaluation window, fire/resolve alerts, write history. */
  evaluate(): Promise<SloReport>;
  /** The open critical alerts (what blocks raising the rollout: rollout-service's guard). */
  openCriticalAlerts(): Promise<SloAlert[]>;
  /** The last evaluate() result, for the Prometheus gauges. */
  lastReport(): SloReport | undefined;
  /** Registers an alert callback; returns its unregister function. */
  onAlert(callback: SloAlertCallback): () => void;
  /** Starts the flush and evaluation timers (unref'd); idempotent. */
  start(): void;
  /** Stops the timers, waits for work in flight, and flushes what is pending. */
  close(): Promise<void>;
}

/** Per-minute history is pruned at most this often. */
const PRUNE_EVERY_MS = 60 * MINUTE_MS;
const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
const DEFAULT_NO_DATA_RESOLVE_EVALUATIONS = 3;

/** The AWF SLO monitor; see the module comment. */
export function createSloService(deps: SloServiceDeps): SloService {
  const { store, thresholds, settings, instanceId } = deps;
  const log = deps.log ?? consoleSloLog;
  const now = deps.now ?? Date.now;
  const aggregator = new TurnAggregator();
  const callbacks = new Set<SloAlertCallback>();
  let flushChain: Promise<void> = Promise.resolve();
  let evaluationChain: Promise<unknown> = Promise.resolve();
  let latest: SloReport | undefined;
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  // Per SLO: the open alert seen and how many evaluations in a row could not judge it. In memory: a
  // restart starts counting again, and with several instances the first to reach the count resolves.
  const noDataStreaks = new Map<AlertName, { alertId: string; evaluations: number }>();
  const pruneTasks = new Set<(beforeMinute: number) => Promise<unknown>>();
  const noDataLimit = settings.noDataResolveEvaluations ?? DEFAULT_NO_DATA_RESOLVE_EVALUATIONS;
  const confidencePct = settings.alertConfidencePct ?? DEFAULT_ALERT_CONFIDENCE_PCT;
  let timers: NodeJS.Timeout[] = [];
  let isClosed = false;

  const recordTurn = (sample: TurnSample, atMs: number = now()): void => {
    aggregator.record(sample, atMs);
  };

  const flush = (): Promise<void> => {
    const run = flushChain.then(async () => {
      const drained = aggregator.drain();
      if (drained.length === 0) return;
      try {
        await store.mergeMinutes(instanceId, drained, new Date(now()).toISOString());
      } catch (error) {
        aggregator.restore(drained);
        throw error;
      }
    });
    flushChain = run.catch(() => {});
    return run;
  };

  const series = async (window: SeriesWindow): Promise<SloSeries> => {
    await flush();
    const nowMs = now();
    const { fromMinute, toMinute } = seriesRange(window, nowMs);
    const [minutes, alerts] = await Promise.all([
      store.listMinutes(fromMinute, toMinute),
      store.listAlerts(new Date(fromMinute * MINUTE_MS).toISOString()),
    ]);
    return buildSloSeries({ window, nowMs, thresholds, minutes, alerts });
  };

  const status = async (window: SloWindow): Promise<SloReport> => {
    await flush();
    const nowMs = now();
    const toMinute = minuteOf(nowMs);
    const fromMinute = toMinute - WINDOW_MINUTES[window] + 1;
    const [rows, open, history, rollout, latest] = await Promise.all([
      store.listMinutes(fromMinute, toMinute),
      store.listOpenAlerts(),
      store.listHistory(fromMinute, toMinute),
      readRolloutTraffic(),
      store.listLatestAlerts(),
    ]);
    const { awf, legacy, shadow, instances } = mergeMinutes(rows);
    const feedback = feedbackSignal(awf, legacy, thresholds.feedbackDownDeltaPp);
    const slos = [
      ...judgeSlos(awf, thresholds, settings.minSample, confidencePct),
      ...(thresholds.feedbackDownDeltaPp === undefined
        ? []
        : [guardrailResult(feedback, thresholds.feedbackDownDeltaPp, settings.minSample)]),
    ];
    return {
      window,
      from: new Date(fromMinute * MINUTE_MS).toISOString(),
      to: new Date(nowMs).toISOString(),
      instances,
      awf: summarizePipeline(awf),
      legacy: summarizePipeline(legacy),
      slos,
      feedback,
      shadow: summarizeShadow(shadow),
      shadowSlos: judgeShadowSlos(shadow, thresholds, settings.minSample, confidencePct),
      healthy: slos.every((slo) => slo.state === 'ok' || slo.state === 'insufficient_data'),
      alerts: open.filter((alert) => !isShadowAlert(alert)).map(withActions),
      shadowAlerts: open.filter(isShadowAlert).map(withActions),
      history: summarizeHistory(history),
      ...(rollout ? { rollout } : {}),
      rolledBack: latest.flatMap((alert) =>
        alert.resolvedReason === 'rolled_back' && alert.resolvedAt !== undefined
          ? [{ slo: alert.slo, alertId: alert.id, resolvedAt: alert.resolvedAt }]
          : [],
      ),
    };
  };

  /** Undefined when not wired; a failed read is logged and judged as "not rolled back". */
  const readRolloutTraffic = async (): Promise<RolloutTraffic | undefined> => {
    if (!deps.rollout) return undefined;
    try {
      return await deps.rollout.readTraffic();
    } catch (error) {
      log.error(`SLO monitor could not read the rollout state: ${messageOf(error)}`);
      return undefined;
    }
  };

  const deliver = async (event: SloAlertEvent): Promise<void> => {
    const line = alertLogLine(event);
    if (event.kind === 'fired') log.warn(line);
    else log.info(line);
    const deliveries: Array<Promise<AlertDeliveryResult>> = [...callbacks].map(
      async (callback): Promise<AlertDeliveryResult> => {
        try {
          await callback(event);
          return { ok: true };
        } catch (error) {
          return { ok: false, reason: `callback failed: ${error instanceof Error ? error.message : error}` };
        }
      },
    );
    if (settings.webhookUrl) {
      const url = settings.webhookUrl;
      deliveries.push(
        postAlertWebhook(
          url,
          event,
          settings.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
          deps.fetch,
        ).then((result) =>
          result.ok ? result : { ok: false, reason: `webhook ${redactWebhookUrl(url)}: ${result.reason}` },
        ),
      );
    }
    for (const result of await Promise.all(deliveries)) {
      if (!result.ok) log.error(`SLO alert ${event.kind} for ${event.slo} not delivered: ${result.reason}`);
    }
  };

  const evaluateOnce = async (): Promise<SloReport> => {
    const window = settings.evaluationWindow;
    const report = await status(window);
    const at = new Date(now()).toISOString();
    const open = new Map(
      [...report.alerts, ...(report.shadowAlerts ?? [])].map((alert) => [alert.slo, alert]),
    );
    const events: SloAlertEvent[] = [];
    const rollout = report.rollout;
    for (const result of [...report.slos, ...(report.shadowSlos ?? [])]) {
      const openAlert = open.get(result.slo);
      // Shadow runs happen precisely while nobody is routed to AWF: a rollback does not touch their SLOs.
      if (rollout?.routesNobodyToAwf && !result.slo.startsWith('shadow_')) {
        // The alert's traffic is gone: resolve at once instead of waiting for no_data, and fire
        // nothing over the window's turns from before the rollback.
        noDataStreaks.delete(result.slo);
        if (!openAlert) continue;
        const rolledBack: RolledBackRollout = {
          why: rollout.why,
          version: rollout.version,
          changedAt: rollout.changedAt,
          changedBy: rollout.changedBy,
        };
        const resolved = await store.resolveAlert(
          result.slo,
          {
            resolvedAt: at,
            resolvedValue: result.value,
            resolvedSample: result.sample,
            resolvedBy: instanceId,
            resolvedReason: 'rolled_back',
          },
          (alert) => auditEventOf('resolved', alert, result, instanceId, { rollout: rolledBack }),
        );
        if (resolved) {
          events.push(alertEvent('resolved', resolved, instanceId, result, { rollout: rolledBack }));
        }
        continue;
      }
      if (result.state === 'insufficient_data' || result.value === null) {
        if (!openAlert) {
          noDataStreaks.delete(result.slo);
          continue;
        }
        const streak = noDataStreaks.get(result.slo);
        const evaluations = streak?.alertId === openAlert.id ? streak.evaluations + 1 : 1;
        noDataStreaks.set(result.slo, { alertId: openAlert.id, evaluations });
        if (noDataLimit === 0 || evaluations < noDataLimit) continue;
        const noData = { minSample: result.minSample, evaluations };
        const resolved = await store.resolveAlert(
          result.slo,
          {
            resolvedAt: at,
            resolvedValue: result.value,
            resolvedSample: result.sample,
            resolvedBy: instanceId,
            resolvedReason: 'no_data',
          },
          (alert) => auditEventOf('resolved', alert, result, instanceId, { noData }),
        );
        noDataStreaks.delete(result.slo);
        if (resolved) events.push(alertEvent('resolved', resolved, instanceId, result, { noData }));
        continue;
      }
      noDataStreaks.delete(result.slo);
      if (result.state !== 'ok' && !openAlert) {
        const alert: SloAlert = {
          id: randomUUID(),
          slo: result.slo,
          severity: result.severity,
          window,
          threshold: result.threshold,
          firedValue: result.value,
          firedSample: result.sample,
          firedAt: at,
          firedBy: instanceId,
        };
        if (await store.fireAlert(alert, auditEventOf('fired', alert, result, instanceId))) {
          events.push(alertEvent('fired', alert, instanceId, result));
        }
      } else if (
        openAlert &&
        result.value <= resolveAtOrBelow(result.threshold, settings.resolveHysteresisPct)
      ) {
        const resolved = await store.resolveAlert(
          result.slo,
          {
            resolvedAt: at,
            resolvedValue: result.value,
            resolvedSample: result.sample,
            resolvedBy: instanceId,
            resolvedReason: 'recovered',
          },
          (alert) => auditEventOf('resolved', alert, result, instanceId),
        );
        if (resolved) events.push(alertEvent('resolved', resolved, instanceId, result));
      }
    }
    const minute = minuteOf(now());
    await store.recordHistory(
      [...report.slos, ...(report.shadowSlos ?? [])].map(
        (result): SloHistoryPoint => ({
          minute,
          slo: result.slo,
          window,
          value: result.value,
          threshold: result.threshold,
          sample: result.sample,
          state: result.state,
        }),
      ),
    );
    if (settings.retentionDays !== undefined && now() - lastPruneAt >= PRUNE_EVERY_MS) {
      lastPruneAt = now();
      const beforeMinute = minute - settings.retentionDays * 24 * 60;
      await store.prune(beforeMinute);
      for (const task of pruneTasks) {
        await task(beforeMinute).catch((error: unknown) =>
          log.error(`retention prune failed (will retry within the hour): ${messageOf(error)}`),
        );
      }
    }
    let final = report;
    if (events.length > 0) {
      const openNow = await store.listOpenAlerts();
      final = {
        ...report,
        alerts: openNow.filter((alert) => !isShadowAlert(alert)).map(withActions),
        shadowAlerts: openNow.filter(isShadowAlert).map(withActions),
      };
    }
    latest = final;
    for (const event of events) await deliver(event);
    return final;
  };

  const evaluate = (): Promise<SloReport> => {
    const run = evaluationChain.then(evaluateOnce);
    evaluationChain = run.catch(() => {});
    return run;
  };

  return {
    observer: {
      onTurn({ result, decision, session }) {
        aggregator.record(
          {
            pipeline: decision.pipeline,
            latencyMs: result.latencyMs,
            retried: result.retried,
            fallback: result.fallback,
            fallbackReason: result.fallbackReason,
            newBucketedSession: isNewBucketedSession(decision, session),
            tokens: result.tokens,
            bundleBytes: result.bundleBytes,
          },
          now(),
        );
      },
      onTurnFailed(event) {
        aggregator.record(failedTurnSample(event), now());
      },
    },
    feedbackObserver: {
      onFeedback({ pipeline, previous, current }) {
        const sample: FeedbackSample = { pipeline, up: 0, down: 0, downReasons: {} };
        const count = (rating: typeof current, by: 1 | -1) => {
          if (rating.rating === 'up') sample.up += by;
          else {
            sample.down += by;
            const reason = rating.reason ?? 'none';
            sample.downReasons[reason] = (sample.downReasons[reason] ?? 0) + by;
          }
        };
        if (previous) count(previous, -1);
        count(current, 1);
        aggregator.recordFeedback(sample, now());
      },
    },
    shadowObserver: {
      onShadowRun(run) {
        const sample: ShadowSample = {
          pipeline: 'awf',
          latencyMs: run.latencyMs,
          retried: run.retried,
          fallback: run.outcome === 'would_fall_back',
          fallbackReason: run.fallbackReason,
          validAfterRetry: run.outcome === 'valid_after_retry',
          tokens: run.tokens,
          bundleBytes: run.bundleBytes,
          ...(run.agreement ? { agreement: run.agreement } : {}),
        };
        aggregator.recordShadow(sample, now());
      },
      onShadowDropped(reason) {
        aggregator.recordShadowDrop(reason, now());
      },
    },
    recordTurn,
    recordTurns(batch, atMs = now()) {
      aggregator.recordBatch(batch, atMs);
    },
    recordFeedback(sample, atMs = now()) {
      aggregator.recordFeedback(sample, atMs);
    },
    onPrune(task) {
      pruneTasks.add(task);
      return () => pruneTasks.delete(task);
    },
    flush,
    async minutes(fromMinute, toMinute) {
      await flush();
      return store.listMinutes(fromMinute, toMinute);
    },
    status,
    series,
    evaluate,
    openCriticalAlerts: () => listOpenCriticalAlerts(store),
    lastReport: () => latest,
    onAlert(callback) {
      callbacks.add(callback);
      return () => callbacks.delete(callback);
    },
    start() {
      if (timers.length > 0 || isClosed) return;
      if (settings.flushIntervalMs > 0) {
        timers.push(
          setInterval(() => {
            flush().catch((error: unknown) =>
              log.error(`SLO flush failed (will retry): ${messageOf(error)}`),
            );
          }, settings.flushIntervalMs),
        );
      }
      if (settings.evaluationIntervalMs > 0) {
        timers.push(
          setInterval(() => {
            evaluate().catch((error: unknown) => log.error(`SLO evaluation failed: ${messageOf(error)}`));
          }, settings.evaluationIntervalMs),
        );
      }
      for (const timer of timers) timer.unref();
    },
    async close() {
      isClosed = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await evaluationChain;
      try {
        await flush();
      } catch (error) {
        log.error(`SLO flush on close failed; ${messageOf(error)}`);
      }
    },
  };
}

/**
 * The three SLOs over one window's AWF aggregate: p95 from the merged sketch, rates as percentages of
 * AWF turns, each with its one-sided lower bound at `confidencePct`; violated when that bound is above
 * the threshold. Below `minSample` turns the state is insufficient_data (the value is still shown).
 */
export function judgeSlos(
  awf: TurnAggregate,
  thresholds: SloThresholds,
  minSample: number,
  confidencePct: number = DEFAULT_ALERT_CONFIDENCE_PCT,
): SloResult[] {
  const summary = summarizePipeline(awf);
  const z = zOneSided(confidencePct);
  const judged: Record<SloName, { value: number | null; lowerBound: number | null }> = {
    turn_latency_p95: { value: summary.latencyP95Ms, lowerBound: quantileLowerBound(awf.latency, 0.95, z) },
    invalid_retry_rate: {
      value: summary.retryRatePct,
      lowerBound: rateLowerBoundPct(awf.retries, awf.turns, z),
    },
    fallback_rate: {
      value: summary.fallbackRatePct,
      lowerBound: rateLowerBoundPct(awf.fallbacks, awf.turns, z),
    },
  };
  return SLO_DEFINITIONS.map((definition) => {
    const { value, lowerBound } = judged[definition.name];
    const threshold = definition.threshold(thresholds);
    let state: SloState;
    if (value === null || lowerBound === null || awf.turns < minSample) state = 'insufficient_data';
    else state = lowerBound > threshold ? definition.severity : 'ok';
    return {
      slo: definition.name,
      title: definition.title,
      unit: definition.unit,
      severity: definition.severity,
      value,
      lowerBound,
      confidence: confidencePct,
      threshold,
      state,
      sample: awf.turns,
      minSample,
      suggestedActions: definition.suggestedActions,
    };
  });
}

/** The three SLOs over the shadow runs' aggregate: same values and thresholds, severity warning. */
export function judgeShadowSlos(
  shadow: TurnAggregate,
  thresholds: SloThresholds,
  minSample: number,
  confidencePct: number = DEFAULT_ALERT_CONFIDENCE_PCT,
): SloResult[] {
  const judged = judgeSlos(shadow, thresholds, minSample, confidencePct);
  return SHADOW_SLO_DEFINITIONS.map((definition, i) => {
    const result = judged[i] as SloResult;
    return {
      ...result,
      slo: definition.name,
      title: definition.title,
      severity: definition.severity,
      state: result.state === 'critical' ? 'warning' : result.state,
      suggestedActions: definition.suggestedActions,
    };
  });
}

/** Shadow outcomes, agreement and spend of the awf_shadow aggregate. */
export function summarizeShadow(aggregate: TurnAggregate): ShadowSummary {
  const { shadow } = aggregate;
  const pct = (part: number, whole: number) => (whole === 0 ? null : (part / whole) * 100);
  return {
    ...summarizePipeline(aggregate),
    validFirst: aggregate.turns - aggregate.fallbacks - shadow.validAfterRetry,
    validAfterRetry: shadow.validAfterRetry,
    wouldFallBack: aggregate.fallbacks,
    compared: shadow.compared,
    sameScenePct: pct(shadow.sameScene, shadow.compared),
    sameSceneChangePct: pct(shadow.sameSceneChange, shadow.compared),
    sameActsPct: pct(shadow.sameActs, shadow.compared),
    choiceOverlapPct: pct(shadow.choiceShared, shadow.choiceUnion),
    tokens: { in: shadow.tokensIn, out: shadow.tokensOut },
    bundleBytesAvg: aggregate.turns === 0 ? null : shadow.bundleBytes / aggregate.turns,
    dropped: Object.values(shadow.dropReasons).reduce((sum, count) => sum + count, 0),
    dropReasons: { ...shadow.dropReasons },
  };
}

function isShadowAlert(alert: SloAlert): boolean {
  return alert.slo.startsWith('shadow_');
}

/** Counts, rates and latency quantiles of one pipeline's aggregate. */
export function summarizePipeline(aggregate: TurnAggregate): PipelineSummary {
  const { turns } = aggregate;
  return {
    turns,
    retries: aggregate.retries,
    fallbacks: aggregate.fallbacks,
    fallbackReasons: { ...aggregate.fallbackReasons },
    failures: aggregate.failures,
    retryRatePct: turns === 0 ? null : (aggregate.retries / turns) * 100,
    fallbackRatePct: turns === 0 ? null : (aggregate.fallbacks / turns) * 100,
    latencyP50Ms: aggregate.latency.quantile(0.5) ?? null,
    latencyP95Ms: aggregate.latency.quantile(0.95) ?? null,
    latencyMaxMs: aggregate.latency.max ?? null,
  };
}

/** Merges stored minutes of every instance into one aggregate per pipeline. */
export function mergeMinutes(rows: readonly StoredMinute[]): {
  awf: TurnAggregate;
  legacy: TurnAggregate;
  /** Shadow runs (pipeline awf_shadow): never mixed into the AWF or legacy figures. */
  shadow: TurnAggregate;
  instances: string[];
} {
  const awf = emptyAggregate();
  const legacy = emptyAggregate();
  const shadow = emptyAggregate();
  const instances = new Set<string>();
  for (const row of rows) {
    const into = row.pipeline === 'awf' ? awf : row.pipeline === 'awf_shadow' ? shadow : legacy;
    instances.add(row.instanceId);
    into.turns += row.turns;
    into.retries += row.retries;
    into.fallbacks += row.fallbacks;
    into.failures += row.failures;
    into.newSessions += row.newSessions ?? 0;
    for (const [reason, count] of Object.entries(row.fallbackReasons)) {
      into.fallbackReasons[reason] = (into.fallbackReasons[reason] ?? 0) + count;
    }
    into.latency.mergeEncoded(row.latencySketch);
    mergeFeedback(into.feedback, row.feedback);
    if (row.shadow) mergeShadowCounts(into.shadow, row.shadow);
  }
  return { awf, legacy, shadow, instances: [...instances].sort() };
}

/** The open alerts of critical severity in `store` (the fallback-rate SLO's, per the seed). */
export async function listOpenCriticalAlerts(store: Pick<SloStore, 'listOpenAlerts'>): Promise<SloAlert[]> {
  return (await store.listOpenAlerts()).filter((alert) => alert.severity === 'critical');
}

/** An open alert resolves at or below threshold × (1 − hysteresis). */
export function resolveAtOrBelow(threshold: number, hysteresisPct: number): number {
  return threshold * (1 - hysteresisPct / 100);
}

function summarizeHistory(points: readonly SloHistoryPoint[]): SloHistorySummary[] {
  return SLO_DEFINITIONS.map(({ name }) => {
    const mine = points.filter((point) => point.slo === name);
    const count = (states: SloState[]) => mine.filter((point) => states.includes(point.state)).length;
    return {
      slo: name,
      minutes: mine.length,
      okMinutes: count(['ok']),
      violatedMinutes: count(['warning', 'critical']),
      insufficientMinutes: count(['insufficient_data']),
    };
  });
}

/** The feedback guardrail as a judged result, so alerting treats it like the SLOs. */
function guardrailResult(signal: FeedbackSignal, thresholdPp: number, minSample: number): SloResult {
  const judged = judgeFeedbackGuardrail(signal, thresholdPp, minSample);
  return {
    slo: FEEDBACK_GUARDRAIL.name,
    title: FEEDBACK_GUARDRAIL.title,
    unit: FEEDBACK_GUARDRAIL.unit,
    severity: FEEDBACK_GUARDRAIL.severity,
    value: judged.value,
    // The guardrail's value is already a bound: the lower end of a two-sided 95 % interval.
    lowerBound: judged.value,
    confidence: 97.5,
    threshold: judged.threshold,
    state: judged.state,
    sample: judged.sample,
    minSample,
    suggestedActions: FEEDBACK_GUARDRAIL.suggestedActions,
  };
}

function withActions(alert: SloAlert): OpenSloAlert {
  const definition = alertDefinition(alert.slo);
  return {
    ...alert,
    title: definition.title,
    unit: definition.unit,
    suggestedActions: definition.suggestedActions,
  };
}

/** The audit entry of a fire or resolve, with the judged lower bound that explains it. */
function auditEventOf(
  kind: 'fired' | 'resolved',
  alert: SloAlert,
  result: SloResult,
  instanceId: string,
  {
    noData,
    rollout,
  }: { noData?: { minSample: number; evaluations: number }; rollout?: RolledBackRollout } = {},
): AuditEvent {
  const fired = kind === 'fired';
  return {
    actor: 'system',
    action: `slo.alert.${kind}`,
    entity: `slo:${alert.slo}`,
    details: {
      alertId: alert.id,
      severity: alert.severity,
      window: alert.window,
      threshold: alert.threshold,
      value: fired ? alert.firedValue : (alert.resolvedValue ?? null),
      sample: fired ? alert.firedSample : (alert.resolvedSample ?? null),
      lowerBound: result.lowerBound,
      confidence: result.confidence,
      unit: result.unit,
      instanceId,
      ...(fired ? {} : { firedAt: alert.firedAt, reason: alert.resolvedReason ?? 'recovered' }),
      ...(noData ? { minSample: noData.minSample, evaluationsWithoutData: noData.evaluations } : {}),
      ...(rollout ? { rollout } : {}),
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A session's first turn routed by the percentage bucket: the unit the plan's SRM check counts. */
function isNewBucketedSession(decision: { reason: string }, session: { turnCount: number }): boolean {
  return session.turnCount === 1 && decision.reason === 'percent_bucket';
}
