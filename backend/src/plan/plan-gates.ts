/**
 * The plan's gates as pure functions of recorded inputs (issue 12): each returns pass / hold / fail /
 * skip with its evidence. Advancing is judged over the whole stage (upper 95 % bounds below the
 * thresholds); failing over the recent burn-rate windows (lower 95 % bounds above the thresholds in
 * both the 5-minute and the 1-hour window, so one spike does not fail), and a failure that legacy shows
 * alike in the same window holds instead (a fault of both pipelines is not AWF's).
 */

import type { GoldenRunSummary } from '../golden-runs/golden-runs-read-model.js';
import { feedbackSignal } from '../slos/feedback-signal.js';
import type { SloName, SloThresholds } from '../slos/slo-definitions.js';
import type { TurnAggregate } from '../slos/turn-aggregates.js';
import {
  confirmedLowPct,
  newcombeDifference,
  type QuantileBound,
  quantileBound,
  type RateBound,
  rateBound,
  type SampleRatioLook,
  sequentialSampleRatioTest,
} from './plan-statistics.js';
import type { GateResult, PlanStage } from './plan-types.js';

/** The SRM test's significance (an always-valid p): below this holds the plan and alerts "sample ratio mismatch". */
export const SRM_P_VALUE = 0.001;

/** The recent windows failure is judged over (the SLO burn-rate windows). */
export const RECENT_WINDOWS = ['5m', '1h'] as const;
export type RecentWindow = (typeof RECENT_WINDOWS)[number];
export const RECENT_WINDOW_MINUTES: Record<RecentWindow, number> = { '5m': 5, '1h': 60 };

/** Merged aggregates of one window (every instance), by pipeline. */
export interface WindowData {
  fromMinute: number;
  toMinute: number;
  awf: TurnAggregate;
  legacy: TurnAggregate;
  shadow: TurnAggregate;
}

/** Everything the gates judge that is not an aggregate: recorded in each decision's evidence. */
export interface GateContext {
  nowMs: number;
  stageIndex: number;
  stage: PlanStage;
  /** The stage after this one, if any (its approval flag decides awaiting_approval). */
  nextStage: PlanStage | undefined;
  stageStartedAtMs: number;
  thresholds: SloThresholds;
  switches: { globalEnabled: boolean; emergencyFallback: boolean; legacyTurnEnabled: boolean };
  openCriticalAlerts: Array<{ id: string; slo: string; firedAt: string }>;
  goldens: GoldenEvidence;
  /** Whether the next stage's approval was given, and by whom. */
  approvedBy: string | null;
}

/** A full golden verify run as the goldens gate reads it (the shared read model's summary). */
export type { GoldenRunSummary };

/** The golden suite run the controller started itself (plans with runGoldens). */
export interface ControllerGoldenRun {
  /** running: in a child process now; finished: stored as runId; failed: nothing stored (error says why). */
  state: 'running' | 'finished' | 'failed';
  startedAt: string;
  /** The child process running it (the same pid at two evaluations: the same run). */
  pid: number | null;
  contentHash: string;
  codeVersion: string;
  runId: string | null;
  error: string | null;
}

/** What the goldens gate judges: the latest golden run on the served content and code (else the latest of any). */
export interface GoldenEvidence {
  /** The content hash the process serves. */
  contentHash: string;
  /** The code version the process runs (absent in decisions recorded before it was compared). */
  codeVersion?: string;
  /** The plan lets the controller run the suite itself when no run on this content and code exists. */
  runGoldens?: boolean;
  run: GoldenRunSummary | null;
  /** The controller's own run, when the plan lets it run one and no run on this content and code exists. */
  controllerRun?: ControllerGoldenRun | null;
}

/** Whether a stored run tested exactly what this process serves: the same content and the same code. */
export function goldenRunMatches(
  run: GoldenRunSummary,
  goldens: Pick<GoldenEvidence, 'contentHash' | 'codeVersion'>,
): boolean {
  return (
    run.contentHash === goldens.contentHash && (run.codeVersion ?? null) === (goldens.codeVersion ?? null)
  );
}

export interface GateData {
  stage: WindowData;
  recent: Record<RecentWindow, WindowData>;
  /** The stage's new bucketed sessions minute by minute (minutes with none left out): the SRM test's looks. */
  stageNewSessions: SampleRatioLook[];
}

const SLO_GATES: readonly SloName[] = ['fallback_rate', 'invalid_retry_rate', 'turn_latency_p95'];

/** The pipeline whose turns a stage judges: shadow runs at the shadow stage, AWF turns otherwise. */
export function judgedPipeline(stage: PlanStage): 'awf' | 'shadow' {
  return stage.percent === 'shadow' ? 'shadow' : 'awf';
}

function judged(window: WindowData, stage: PlanStage): TurnAggregate {
  return judgedPipeline(stage) === 'shadow' ? window.shadow : window.awf;
}

/** Every gate, in the order their holds are reported. */
export function evaluateGates(context: GateContext, data: GateData): GateResult[] {
  return [
    switchesGate(context),
    criticalAlertGate(context),
    trafficGate(context, data),
    ...SLO_GATES.map((slo) => sloGate(slo, context, data)),
    feedbackGate(context, data),
    sampleRatioGate(context, data),
    goldensGate(context),
    bakeGate(context),
    approvalGate(context),
  ];
}

export function switchesGate(context: GateContext): GateResult {
  const { switches, stage } = context;
  const evidence = { ...switches };
  if (switches.emergencyFallback || switches.legacyTurnEnabled) {
    const which = switches.emergencyFallback ? 'EMERGENCY_FALLBACK' : 'LEGACY_TURN_ENABLED';
    return {
      name: 'switches',
      status: 'hold',
      reason: 'emergency_switch',
      summary: `${which} is set: everybody is on legacy`,
      evidence,
    };
  }
  if (!switches.globalEnabled && stage.percent !== 'shadow') {
    return {
      name: 'switches',
      status: 'hold',
      reason: 'global_flag_off',
      summary: 'the global flag is off: nobody is routed to AWF',
      evidence,
    };
  }
  return { name: 'switches', status: 'pass', summary: 'global flag on, no emergency switch', evidence };
}

export function criticalAlertGate(context: GateContext): GateResult {
  const alerts = context.openCriticalAlerts;
  if (alerts.length > 0) {
    return {
      name: 'critical_alerts',
      status: 'hold',
      reason: 'critical_alert_open',
      summary: `${alerts.length} critical SLO alert(s) open: ${alerts.map((a) => `${a.slo} since ${a.firedAt}`).join(', ')}`,
      evidence: { alerts },
    };
  }
  return {
    name: 'critical_alerts',
    status: 'pass',
    summary: 'no critical SLO alert open',
    evidence: { alerts },
  };
}

export function trafficGate(context: GateContext, data: GateData): GateResult {
  const stageTurns = judged(data.stage, context.stage).turns;
  const recentTurns = judged(data.recent['1h'], context.stage).turns;
  const required = context.stage.minSample;
  const evidence = { stageTurns, lastHourTurns: recentTurns, required };
  if (recentTurns === 0) {
    return {
      name: 'traffic',
      status: 'hold',
      reason: 'no_traffic',
      summary: `no ${judgedPipeline(context.stage) === 'shadow' ? 'shadow run' : 'AWF turn'} in the last hour: nothing to judge (holding, not failing)`,
      evidence,
    };
  }
  if (stageTurns < required) {
    return {
      name: 'traffic',
      status: 'hold',
      reason: 'min_sample',
      summary: `${stageTurns} of ${required} turns needed in this stage`,
      evidence,
    };
  }
  return { name: 'traffic', status: 'pass', summary: `${stageTurns} turns (≥ ${required})`, evidence };
}

interface SloMeasure {
  /** The point value and bounds, in the SLO's unit (% or ms). */
  value: number | null;
  low: number | null;
  high: number | null;
  sample: number;
  detail: RateBound | QuantileBound;
}

function measure(slo: SloName, aggregate: TurnAggregate): SloMeasure {
  if (slo === 'turn_latency_p95') {
    const bound = quantileBound(aggregate.latency, 0.95);
    return {
      value: bound.valueMs,
      low: bound.lowMs,
      high: bound.highMs,
      sample: bound.sample,
      detail: bound,
    };
  }
  const count = slo === 'fallback_rate' ? aggregate.fallbacks : aggregate.retries;
  const bound = rateBound(count, aggregate.turns);
  return {
    value: bound.ratePct,
    low: bound.lowPct,
    high: bound.highPct,
    sample: bound.sample,
    detail: bound,
  };
}

/** Legacy's counterpart of an AWF SLO: its outright failures for the fallback rate, else the same SLO. */
function legacyMeasure(slo: SloName, legacy: TurnAggregate): SloMeasure {
  if (slo === 'fallback_rate') {
    const bound = rateBound(legacy.failures, legacy.turns);
    return {
      value: bound.ratePct,
      low: bound.lowPct,
      high: bound.highPct,
      sample: bound.sample,
      detail: bound,
    };
  }
  return measure(slo, legacy);
}

function thresholdOf(slo: SloName, thresholds: SloThresholds): number {
  if (slo === 'fallback_rate') return thresholds.fallbackRatePct;
  if (slo === 'invalid_retry_rate') return thresholds.invalidRetryRatePct;
  return thresholds.turnP95Ms;
}

/**
 * Whether AWF is demonstrably worse than legacy in one window: for rates, the lower end of the 95 %
 * interval of AWF − legacy is above 0; for the p95, AWF's lower bound is above legacy's upper bound.
 * Unknown (null) when legacy had no turn in the window: then AWF is judged alone.
 */
function awfWorseThanLegacy(
  slo: SloName,
  awf: TurnAggregate,
  legacy: TurnAggregate,
): { worse: boolean | null; differenceLow: number | null; legacy: SloMeasure } {
  const legacyValue = legacyMeasure(slo, legacy);
  if (legacy.turns === 0 || awf.turns === 0) return { worse: null, differenceLow: null, legacy: legacyValue };
  if (slo === 'turn_latency_p95') {
    const awfValue = measure(slo, awf);
    const differenceLow =
      awfValue.low !== null && legacyValue.high !== null ? awfValue.low - legacyValue.high : null;
    return { worse: differenceLow === null ? null : differenceLow > 0, differenceLow, legacy: legacyValue };
  }
  const awfCount = slo === 'fallback_rate' ? awf.fallbacks : awf.retries;
  const legacyCount = slo === 'fallback_rate' ? legacy.failures : legacy.retries;
  const interval = newcombeDifference(
    Math.min(awfCount, awf.turns),
    awf.turns,
    Math.min(legacyCount, legacy.turns),
    legacy.turns,
  );
  const differenceLow = Math.round(interval.low * 1_000_000) / 10_000;
  return { worse: differenceLow > 0, differenceLow, legacy: legacyValue };
}

/**
 * One SLO: fails when its lower bound is above the threshold in both recent windows (a fallback-rate
 * failure is critical and acts at once) unless legacy is as bad in the same window; passes when the
 * stage's upper bound is below the threshold; holds otherwise (too few turns to be sure either way).
 */
export function sloGate(slo: SloName, context: GateContext, data: GateData): GateResult {
  const threshold = thresholdOf(slo, context.thresholds);
  const unit = slo === 'turn_latency_p95' ? 'ms' : '%';
  const name = `slo:${slo}`;
  const windows = Object.fromEntries(
    RECENT_WINDOWS.map((window) => {
      const awf = judged(data.recent[window], context.stage);
      const value = measure(slo, awf);
      const comparison = awfWorseThanLegacy(slo, awf, data.recent[window].legacy);
      return [
        window,
        {
          awf: value.detail,
          legacy: comparison.legacy.detail,
          differenceLow: comparison.differenceLow,
          awfWorse: comparison.worse,
          breached: value.low !== null && value.low > threshold,
          confirmedLow: slo === 'fallback_rate' ? confirmedLowPct(awf.fallbacks, awf.turns) : null,
        },
      ];
    }),
  ) as Record<
    RecentWindow,
    {
      breached: boolean;
      /** The fallback rate's one-sided 99.9 % lower bound: above the threshold in both windows confirms a critical breach. */
      confirmedLow: number | null;
      awfWorse: boolean | null;
      differenceLow: number | null;
      awf: RateBound | QuantileBound;
      legacy: RateBound | QuantileBound;
    }
  >;
  const stageValue = measure(slo, judged(data.stage, context.stage));
  const evidence = { threshold, unit, stage: stageValue.detail, windows };
  const fmt = (value: number | null) => (value === null ? 'n/a' : `${value}${unit === '%' ? ' %' : ' ms'}`);
  if (RECENT_WINDOWS.every((window) => windows[window].breached)) {
    const legacyAlike = RECENT_WINDOWS.some((window) => windows[window].awfWorse === false);
    const recent = windows['5m'];
    if (legacyAlike) {
      return {
        name,
        status: 'hold',
        reason: 'awf_no_worse_than_legacy',
        summary: `${slo} above ${fmt(threshold)} (5m lower bound ${fmt(measureLow(recent.awf))}) but legacy is as bad in the same window (AWF − legacy lower bound ${recent.differenceLow ?? 'n/a'}): a fault of both pipelines, not AWF's`,
        evidence,
      };
    }
    return {
      name,
      status: 'fail',
      reason: `gate_failed:${slo}`,
      // A confirmed critical breach (99.9 % lower bound above the threshold in both windows) acts at
      // once; one at 95 % only counts towards the N failing evaluations in a row.
      critical: RECENT_WINDOWS.every((window) => {
        const low = windows[window].confirmedLow;
        return low !== null && low > threshold;
      }),
      summary: `${slo}: lower 95 % bound above ${fmt(threshold)} in the 5m (${fmt(measureLow(recent.awf))}) and 1h (${fmt(measureLow(windows['1h'].awf))}) windows, legacy ${fmt(measureValue(recent.legacy))}`,
      evidence,
    };
  }
  if (stageValue.high !== null && stageValue.high < threshold) {
    return {
      name,
      status: 'pass',
      summary: `${slo} ${fmt(stageValue.value)} over the stage, upper 95 % bound ${fmt(stageValue.high)} < ${fmt(threshold)} (n = ${stageValue.sample})`,
      evidence,
    };
  }
  return {
    name,
    status: 'hold',
    reason: `slo_bound:${slo}`,
    summary: `${slo} ${fmt(stageValue.value)} over the stage: upper 95 % bound ${fmt(stageValue.high)} not yet below ${fmt(threshold)} (n = ${stageValue.sample})`,
    evidence,
  };
}

function measureLow(bound: RateBound | QuantileBound): number | null {
  return 'lowPct' in bound ? bound.lowPct : bound.lowMs;
}
function measureValue(bound: RateBound | QuantileBound): number | null {
  return 'ratePct' in bound ? bound.ratePct : bound.valueMs;
}

/** AWF − legacy down-rate over the stage: fails when AWF is worse by more than SLO_FEEDBACK_DOWN_DELTA with 95 % confidence. */
export function feedbackGate(context: GateContext, data: GateData): GateResult {
  const signal = feedbackSignal(data.stage.awf, data.stage.legacy, context.thresholds.feedbackDownDeltaPp);
  const evidence = {
    awfRatings: signal.awf.ratings,
    legacyRatings: signal.legacy.ratings,
    awfDownRatePct: signal.awf.downRatePct,
    legacyDownRatePct: signal.legacy.downRatePct,
    deltaPp: signal.difference.deltaPp,
    ci95Pp: signal.difference.ci95Pp,
    guardrailPp: signal.guardrailPp,
  };
  if (context.stage.percent === 'shadow' || signal.awf.ratings + signal.legacy.ratings === 0) {
    return { name: 'feedback', status: 'skip', summary: 'no player feedback in this stage', evidence };
  }
  const words = `AWF − legacy down-rate ${signal.difference.deltaPp ?? 'n/a'} pp (95 % ${signal.difference.ci95Pp ? `${signal.difference.ci95Pp.low}…${signal.difference.ci95Pp.high}` : 'n/a'} pp)`;
  const guardrail = context.thresholds.feedbackDownDeltaPp;
  if (guardrail !== undefined && signal.difference.ci95Pp && signal.difference.ci95Pp.low > guardrail) {
    return {
      name: 'feedback',
      status: 'fail',
      reason: 'gate_failed:feedback',
      summary: `${words}: worse than legacy by more than ${guardrail} pp`,
      evidence,
    };
  }
  return { name: 'feedback', status: 'pass', summary: words, evidence };
}

/**
 * New sessions the percentage bucket routed to AWF against the stage's percent, tested sequentially
 * (a mixture likelihood ratio looked at after every minute of the stage, plan-statistics.ts): its
 * always-valid p below 0.001 is a routing bug or a skewed client, and holds the plan. The chance of a
 * false alarm stays ≤ 0.001 over the whole stage however many evaluations look at it.
 */
export function sampleRatioGate(context: GateContext, data: GateData): GateResult {
  const percent = context.stage.percent;
  if (percent === 'shadow') {
    return { name: 'sample_ratio', status: 'skip', summary: 'no split at the shadow stage', evidence: {} };
  }
  if (data.stage.fromMinute * 60_000 < context.stageStartedAtMs) {
    // Until the stage's first whole minute starts, its window is the minute of the step, whose new
    // sessions were routed partly at the previous percentage: testing them would read as a mismatch.
    return {
      name: 'sample_ratio',
      status: 'skip',
      summary: `the minute of the step mixes ${percent} % with the previous percentage: tested from the next whole minute`,
      evidence: {
        fromMinute: data.stage.fromMinute,
        stageStartedAt: new Date(context.stageStartedAtMs).toISOString(),
      },
    };
  }
  const test = sequentialSampleRatioTest(data.stageNewSessions, percent / 100);
  const evidence = {
    ...test,
    test: 'sequential Beta-binomial mixture likelihood ratio, p = min(1, 1 / max BF) over per-minute looks',
    unit: 'new sessions routed by the percentage bucket',
    threshold: SRM_P_VALUE,
  };
  if (test.pValue === null) {
    return {
      name: 'sample_ratio',
      status: 'skip',
      summary:
        test.prior === null
          ? `no split to test at ${percent} %`
          : `no new session routed by the bucket in this stage yet`,
      evidence,
    };
  }
  const words = `${test.awf} AWF / ${test.legacy} legacy new sessions (${((test.observedAwfShare ?? 0) * 100).toFixed(2)} % vs ${percent} %), max BF = ${test.maxBayesFactor} over ${test.looks} look(s), always-valid p = ${test.pValue.toPrecision(3)}`;
  if (test.pValue < SRM_P_VALUE) {
    return {
      name: 'sample_ratio',
      status: 'hold',
      reason: 'sample_ratio_mismatch',
      summary: `sample ratio mismatch: ${words}`,
      evidence,
    };
  }
  return { name: 'sample_ratio', status: 'pass', summary: words, evidence };
}

/**
 * The latest full golden verify run on the served content hash and code version: passed → pass (its run
 * id recorded, and whether the controller ran it), failed → fail. Without one: holds while the
 * controller's own run is in flight (goldens_running), else goldens_stale (a run on other content or
 * code) or goldens_missing.
 */
export function goldensGate(context: GateContext): GateResult {
  const { run, contentHash, controllerRun } = context.goldens;
  const codeVersion = context.goldens.codeVersion ?? null;
  const evidence = {
    runId: run?.runId ?? null,
    ranByController: run ? run.source === 'plan-controller' : null,
    contentHash,
    codeVersion,
    runGoldens: context.goldens.runGoldens ?? false,
    run,
    controllerRun: controllerRun ?? null,
  };
  if (run && goldenRunMatches(run, context.goldens)) {
    const by = run.source === 'plan-controller' ? ' (run by the plan controller)' : '';
    if (run.failing.length > 0) {
      return {
        name: 'goldens',
        status: 'fail',
        reason: 'gate_failed:goldens',
        summary: `golden run ${run.runId}${by}: ${run.failing.length} of ${run.scenarios} scenario(s) failed: ${run.failing.join(', ')}`,
        evidence,
      };
    }
    return {
      name: 'goldens',
      status: 'pass',
      summary: `golden run ${run.runId}${by} at ${run.startedAt}: all ${run.scenarios} scenario(s) passed on this content and code (${codeVersion ?? 'unknown'})`,
      evidence,
    };
  }
  if (controllerRun?.state === 'running') {
    return {
      name: 'goldens',
      status: 'hold',
      reason: 'goldens_running',
      summary: `the controller is running the golden suite (pid ${controllerRun.pid ?? '?'}, since ${controllerRun.startedAt}): judged at the next evaluation after it is stored`,
      evidence,
    };
  }
  const failedRun =
    controllerRun?.state === 'failed'
      ? `; the controller's own run stored nothing: ${controllerRun.error}`
      : '';
  if (!run) {
    return {
      name: 'goldens',
      status: 'hold',
      reason: 'goldens_missing',
      summary: `no full golden verify run stored: run npm run awf:golden:test${context.goldens.runGoldens ? '' : ', or start the plan with --run-goldens'}${failedRun}`,
      evidence,
    };
  }
  const differs = [
    run.contentHash === contentHash
      ? null
      : `other content (${run.contentHash.slice(0, 12)}…, serving ${contentHash.slice(0, 12)}…)`,
    (run.codeVersion ?? null) === codeVersion
      ? null
      : `other code (${run.codeVersion ?? 'unrecorded'}, running ${codeVersion ?? 'unknown'})`,
  ].filter((part) => part !== null);
  return {
    name: 'goldens',
    status: 'hold',
    reason: 'goldens_stale',
    summary: `golden run ${run.runId} ran against ${differs.join(' and ')}: no run on this content and code${failedRun}`,
    evidence,
  };
}

export function bakeGate(context: GateContext): GateResult {
  const elapsedMs = Math.max(0, context.nowMs - context.stageStartedAtMs);
  const requiredMs = context.stage.bakeMs;
  const evidence = { elapsedMs, requiredMs };
  if (elapsedMs < requiredMs) {
    return {
      name: 'bake',
      status: 'hold',
      reason: 'bake_time',
      summary: `baked ${formatDuration(elapsedMs)} of ${formatDuration(requiredMs)}`,
      evidence,
    };
  }
  return {
    name: 'bake',
    status: 'pass',
    summary: `baked ${formatDuration(elapsedMs)} (≥ ${formatDuration(requiredMs)})`,
    evidence,
  };
}

export function approvalGate(context: GateContext): GateResult {
  const next = context.nextStage;
  const evidence = { required: next?.approval ?? false, approvedBy: context.approvedBy };
  if (!next?.approval)
    return { name: 'approval', status: 'skip', summary: 'no approval needed for the next stage', evidence };
  if (context.approvedBy === null) {
    return {
      name: 'approval',
      status: 'hold',
      reason: 'awaiting_approval',
      summary: `advancing to ${next.percent === 'shadow' ? 'shadow' : `${next.percent} %`} needs the approval of a second actor with rollout.write`,
      evidence,
    };
  }
  return { name: 'approval', status: 'pass', summary: `approved by ${context.approvedBy}`, evidence };
}

/** `7d`, `3h 20m`, `45s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const parts: string[] = [];
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest || parts.length === 0) parts.push(`${rest}s`);
  return parts.slice(0, 2).join(' ');
}
