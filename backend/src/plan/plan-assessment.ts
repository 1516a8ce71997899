/**
 * Gathers what one evaluation judges (the stored per-minute aggregates of every instance, the open
 * critical alerts, the rollout switches, the latest golden run) and judges it: the gates, the verdict
 * and the evidence a decision records. `replayAssessment` re-derives a verdict from recorded evidence
 * and the stored aggregates of the same windows.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import { mergeMinutes } from '../slos/awf-slos.js';
import type { SloThresholds } from '../slos/slo-definitions.js';
import type { StoredMinute } from '../slos/slo-store.js';
import { MINUTE_MS, minuteOf } from '../slos/turn-aggregates.js';
import { decide, type Verdict } from './plan-decision.js';
import {
  type ControllerGoldenRun,
  evaluateGates,
  type GateContext,
  type GateData,
  type GoldenEvidence,
  goldenRunMatches,
  RECENT_WINDOW_MINUTES,
  RECENT_WINDOWS,
  type RecentWindow,
  type WindowData,
} from './plan-gates.js';
import type { SampleRatioLook } from './plan-statistics.js';
import type { GateResult, PlanStage, StoredPlan } from './plan-types.js';

/** What the plan reads from other capabilities, through read interfaces (CONVENTIONS 3). */
export interface PlanInputsReader {
  /** Stored SLO minutes of every instance (after flushing this instance's pending ones). */
  minutes(fromMinute: number, toMinute: number): Promise<StoredMinute[]>;
  openCriticalAlerts(): Promise<Array<{ id: string; slo: string; firedAt: string }>>;
  /** The effective global flag and this process's switches. */
  switches(): Promise<GateContext['switches']>;
  /** The latest full golden verify run on this content and code, else the latest of any. */
  latestGoldenRun(served: { contentHash: string; codeVersion: string }): Promise<GoldenEvidence['run']>;
}

export interface WindowRange {
  fromMinute: number;
  toMinute: number;
}

/** The evidence a decision records: enough to explain it in words and to replay it. */
export interface AssessmentEvidence {
  planId: string;
  planVersion: number;
  configHash: string;
  contentHash: string;
  /** The code version the process ran (absent in decisions recorded before it was compared). */
  codeVersion?: string;
  stages: PlanStage[];
  onFailure: StoredPlan['onFailure'];
  failAfter: number;
  context: GateContext;
  windows: { stage: WindowRange } & Record<RecentWindow, WindowRange>;
  gates: GateResult[];
  failingStreak: { before: number; after: number; failAfter: number };
  verdict: Pick<Verdict, 'action' | 'reason' | 'decidedBy'>;
}

export interface Assessment {
  gates: GateResult[];
  verdict: Verdict;
  evidence: AssessmentEvidence;
}

/**
 * The hash of what a plan judges by: its stages, failure handling, whether the controller runs the
 * goldens itself, and the SLO thresholds.
 */
export function planConfigHash(
  plan: Pick<StoredPlan, 'stages' | 'onFailure' | 'failAfter'> & { runGoldens?: boolean | undefined },
  thresholds: SloThresholds,
): string {
  const hash = createHash('sha256');
  hash.update(
    canonicalJson({
      stages: plan.stages,
      onFailure: plan.onFailure,
      failAfter: plan.failAfter,
      // Only when on: a plan without it hashes as before runGoldens was hashed, so decisions recorded
      // earlier still replay as the same configuration.
      ...(plan.runGoldens === true ? { runGoldens: true } : {}),
      thresholds,
    }),
  );
  return hash.digest('hex');
}

/** The windows at `nowMs`: the whole stage (from the first minute that starts at or after the step) and the recent ones. */
export function windowsAt(plan: StoredPlan, nowMs: number): AssessmentEvidence['windows'] {
  const toMinute = minuteOf(nowMs);
  const stageFrom = Math.min(toMinute, Math.ceil(Date.parse(plan.stageStartedAt) / MINUTE_MS));
  // Recent windows reach back across stages (a spike early in a stage is diluted by the hour before),
  // but not before the plan started.
  const planFrom = Math.min(toMinute, Math.ceil(Date.parse(plan.startedAt) / MINUTE_MS));
  const recent = Object.fromEntries(
    RECENT_WINDOWS.map((window) => [
      window,
      { fromMinute: Math.max(planFrom, toMinute - RECENT_WINDOW_MINUTES[window] + 1), toMinute },
    ]),
  ) as Record<RecentWindow, WindowRange>;
  return { stage: { fromMinute: stageFrom, toMinute }, ...recent };
}

function windowData(rows: readonly StoredMinute[], range: WindowRange): WindowData {
  const merged = mergeMinutes(
    rows.filter((row) => row.minute >= range.fromMinute && row.minute <= range.toMinute),
  );
  return { ...range, awf: merged.awf, legacy: merged.legacy, shadow: merged.shadow };
}

/** The new bucketed sessions of `range`, minute by minute across instances (minutes with none left out): the SRM test's looks. */
export function newSessionLooks(rows: readonly StoredMinute[], range: WindowRange): SampleRatioLook[] {
  const byMinute = new Map<number, SampleRatioLook>();
  for (const row of rows) {
    if (row.minute < range.fromMinute || row.minute > range.toMinute) continue;
    if (row.pipeline !== 'awf' && row.pipeline !== 'legacy') continue;
    const look = byMinute.get(row.minute) ?? { awf: 0, legacy: 0 };
    look[row.pipeline] += row.newSessions ?? 0;
    byMinute.set(row.minute, look);
  }
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, look]) => look)
    .filter((look) => look.awf + look.legacy > 0);
}

/** Reads the stored aggregates of the windows and merges each. */
export async function readGateData(
  reader: Pick<PlanInputsReader, 'minutes'>,
  windows: AssessmentEvidence['windows'],
): Promise<GateData> {
  const from = Math.min(
    windows.stage.fromMinute,
    ...RECENT_WINDOWS.map((window) => windows[window].fromMinute),
  );
  const rows = await reader.minutes(from, windows.stage.toMinute);
  const recent = Object.fromEntries(
    RECENT_WINDOWS.map((window) => [window, windowData(rows, windows[window])]),
  ) as Record<RecentWindow, WindowData>;
  return {
    stage: windowData(rows, windows.stage),
    recent,
    stageNewSessions: newSessionLooks(rows, windows.stage),
  };
}

/** One evaluation of `plan` at `nowMs`, without writing anything. */
export async function assessPlan(
  plan: StoredPlan,
  nowMs: number,
  deps: {
    reader: PlanInputsReader;
    thresholds: SloThresholds;
    contentHash: string;
    codeVersion: string;
    /**
     * The controller's golden runs (plans with runGoldens): asked only when no stored run matches the
     * served content and code; starts one if none is running and none was tried for them.
     */
    controllerGoldens?: (served: { contentHash: string; codeVersion: string }) => ControllerGoldenRun | null;
    /** How the windows' aggregates are read (the controller's incremental cache); default: in full. */
    readData?: (windows: AssessmentEvidence['windows']) => Promise<GateData>;
  },
): Promise<Assessment> {
  const windows = windowsAt(plan, nowMs);
  const [data, openCriticalAlerts, switches, goldenRun] = await Promise.all([
    deps.readData ? deps.readData(windows) : readGateData(deps.reader, windows),
    deps.reader.openCriticalAlerts(),
    deps.reader.switches(),
    deps.reader.latestGoldenRun({ contentHash: deps.contentHash, codeVersion: deps.codeVersion }),
  ]);
  const served = { contentHash: deps.contentHash, codeVersion: deps.codeVersion };
  const controllerRun =
    plan.runGoldens && deps.controllerGoldens && !(goldenRun && goldenRunMatches(goldenRun, served))
      ? deps.controllerGoldens(served)
      : null;
  const stage = plan.stages[plan.currentStage] as PlanStage;
  const nextStage = plan.stages[plan.currentStage + 1];
  const context: GateContext = {
    nowMs,
    stageIndex: plan.currentStage,
    stage,
    nextStage,
    stageStartedAtMs: Date.parse(plan.stageStartedAt),
    thresholds: deps.thresholds,
    switches,
    openCriticalAlerts: openCriticalAlerts.map(({ id, slo, firedAt }) => ({ id, slo, firedAt })),
    goldens: {
      contentHash: deps.contentHash,
      codeVersion: deps.codeVersion,
      runGoldens: plan.runGoldens,
      run: goldenRun,
      controllerRun,
    },
    approvedBy: plan.approval && plan.approval.stage === plan.currentStage + 1 ? plan.approval.by : null,
  };
  return judge(plan, context, data, windows, deps.thresholds);
}

function judge(
  plan: Pick<
    StoredPlan,
    'id' | 'version' | 'stages' | 'onFailure' | 'failAfter' | 'currentStage' | 'failingStreak'
  >,
  context: GateContext,
  data: GateData,
  windows: AssessmentEvidence['windows'],
  thresholds: SloThresholds,
): Assessment {
  const gates = evaluateGates(context, data);
  const verdict = decide(gates, {
    stageIndex: plan.currentStage,
    stages: plan.stages,
    onFailure: plan.onFailure,
    failAfter: plan.failAfter,
    failingStreak: plan.failingStreak,
  });
  return {
    gates,
    verdict,
    evidence: {
      planId: plan.id,
      planVersion: plan.version,
      configHash: planConfigHash({ ...plan, runGoldens: context.goldens.runGoldens }, thresholds),
      contentHash: context.goldens.contentHash,
      ...(context.goldens.codeVersion === undefined ? {} : { codeVersion: context.goldens.codeVersion }),
      stages: plan.stages,
      onFailure: plan.onFailure,
      failAfter: plan.failAfter,
      context,
      windows,
      gates,
      failingStreak: { before: plan.failingStreak, after: verdict.failingStreak, failAfter: plan.failAfter },
      verdict: { action: verdict.action, reason: verdict.reason, decidedBy: verdict.decidedBy },
    },
  };
}

/** What replaying a decision found. */
export interface ReplayResult {
  decisionId: string;
  recorded: { action: string; reason: string };
  replayed: { action: string; reason: string };
  agrees: boolean;
  /** Gates whose status differs between the recording and the replay (e.g. a late flush changed a window). */
  differingGates: Array<{ name: string; recorded: string; replayed: string }>;
}

/** Re-derives a decision's verdict from its recorded context and the stored aggregates of its windows. */
export async function replayAssessment(
  decision: { id: string; action: string; reason: string; evidence: Record<string, unknown> },
  reader: Pick<PlanInputsReader, 'minutes'>,
): Promise<ReplayResult> {
  const evidence = decision.evidence as unknown as AssessmentEvidence;
  const data = await readGateData(reader, evidence.windows);
  const replay = judge(
    {
      id: evidence.planId,
      version: evidence.planVersion,
      stages: evidence.stages,
      onFailure: evidence.onFailure,
      failAfter: evidence.failAfter,
      currentStage: evidence.context.stageIndex,
      failingStreak: evidence.failingStreak.before,
    },
    evidence.context,
    data,
    evidence.windows,
    evidence.context.thresholds,
  );
  const recordedStatus = new Map(evidence.gates.map((gate) => [gate.name, gate.status]));
  const differingGates = replay.gates
    .filter((gate) => recordedStatus.get(gate.name) !== gate.status)
    .map((gate) => ({
      name: gate.name,
      recorded: recordedStatus.get(gate.name) ?? 'absent',
      replayed: gate.status,
    }));
  const replayed = { action: replay.verdict.action, reason: replay.verdict.reason };
  return {
    decisionId: decision.id,
    recorded: { action: decision.action, reason: decision.reason },
    replayed,
    agrees: replayed.action === decision.action && replayed.reason === decision.reason,
    differingGates,
  };
}
