/**
 * The decommission check (issue 12; seed "Decommission Plan", prerequisites): judges from stored data
 * whether legacy can go — each prerequisite with its evidence (numbers, times, sample sizes, bounds).
 * It reads only: the rollout state, the audit log, the SLO aggregates, history and alerts, the stored
 * golden runs and the turn log.
 */
import type { AuditQueries, AuditQuery } from '../audit/audit-logger.js';
import type { AuditEntry } from '../audit/audit-types.js';
import type { GoldenRunsReadModel } from '../golden-runs/golden-runs-read-model.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { TurnsReadModel } from '../rollout/turns-read-model.js';
import { InvalidInputError } from '../shared/errors.js';
import { judgeSlos, mergeMinutes, SLO_NAMES, type SloName, type SloThresholds } from '../slos/awf-slos.js';
import { feedbackSignal } from '../slos/feedback-signal.js';
import type { SloAlert, SloStore, StoredMinute } from '../slos/slo-store.js';
import { MINUTE_MS, minuteOf } from '../slos/turn-aggregates.js';
import { type RolloutValues, replayFullRollout } from './rollout-history.js';

/** The seed's prerequisites, in the order the check reports them. */
export const DECOMMISSION_CHECKS = [
  'full_rollout',
  'slos_healthy',
  'goldens_passing',
  'feedback_not_worse',
  'legacy_only_fallbacks',
  'nothing_forces_legacy',
  'audit_chain',
] as const;
export type DecommissionCheckName = (typeof DECOMMISSION_CHECKS)[number];

/** One prerequisite: ✔ or ✘, one sentence, and the figures it was judged on. */
export interface DecommissionCheck {
  name: DecommissionCheckName;
  ok: boolean;
  summary: string;
  evidence: Record<string, unknown>;
}

export interface DecommissionReport {
  /** Every check passed. */
  ready: boolean;
  /** ISO 8601: when the check ran, the end of the period. */
  checkedAt: string;
  /** The period the history checks look back over, and its start. */
  days: number;
  from: string;
  goldenRuns: number;
  checks: DecommissionCheck[];
}

export interface DecommissionOptions {
  /** How long the rollout must have been at 100 % and the period the history checks cover (default 7). */
  days?: number;
  /** How many of the latest golden verify runs on the current content must pass (default 3). */
  goldenRuns?: number;
}

export const DEFAULT_DAYS = 7;
export const DEFAULT_GOLDEN_RUNS = 3;
/** Bounds on the options, so a typo cannot ask for a century of minutes. */
export const MAX_DAYS = 3650;
export const MAX_GOLDEN_RUNS = 100;

export interface DecommissionService {
  check(options?: DecommissionOptions): Promise<DecommissionReport>;
}

export interface DecommissionServiceDeps {
  rollout: Pick<RolloutService, 'status'>;
  audit: Pick<AuditQueries, 'query' | 'verify'>;
  slo: {
    store: Pick<SloStore, 'listMinutes' | 'listHistory' | 'listAlerts'>;
    thresholds: SloThresholds;
    /** SLO_MIN_SAMPLE: fewer AWF turns over the period and the SLOs are not judged. */
    minSample: number;
    /** Writes this process's pending minutes first (the server's monitor), when there is one. */
    flush?: () => Promise<void>;
  };
  turns: Pick<TurnsReadModel, 'totals'>;
  goldens: GoldenRunsReadModel;
  /** The content this process serves: golden runs against other content do not count. */
  /** Read at use: admin scripts load the content lazily, only when a command needs it. */
  contentHash: () => string;
  clock?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const AUDIT_PAGE = 1000;
/** How many of the latest flag/percentage changes the evidence lists. */
const CHANGES_SHOWN = 5;
/** How many legacy overrides the evidence names. */
const OVERRIDES_SHOWN = 10;

/** The decommission check over the stores; see the module comment. */
export function createDecommissionService(deps: DecommissionServiceDeps): DecommissionService {
  const clock = deps.clock ?? (() => new Date());

  /** Every entry matching `query`, oldest first, a page at a time. */
  const readAll = async (query: AuditQuery): Promise<AuditEntry[]> => {
    const entries: AuditEntry[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = await deps.audit.query({ ...query, afterSeq, order: 'asc', limit: AUDIT_PAGE });
      entries.push(...page);
      if (page.length < AUDIT_PAGE) return entries;
      afterSeq = (page[page.length - 1] as AuditEntry).seq;
    }
  };

  return {
    async check(options = {}) {
      const days = checkDays(options.days ?? DEFAULT_DAYS);
      const goldenRuns = checkGoldenRuns(options.goldenRuns ?? DEFAULT_GOLDEN_RUNS);
      await deps.slo.flush?.();
      const now = clock();
      const period = { from: new Date(now.getTime() - days * DAY_MS), to: now, days };
      const fromMinute = minuteOf(period.from.getTime());
      const toMinute = minuteOf(now.getTime());
      const [status, changes, rows, history, alerts, turns, runs, verification] = await Promise.all([
        deps.rollout.status(),
        Promise.all([readAll({ action: 'rollout.*' }), readAll({ action: 'plan.*' })]).then((pages) =>
          pages.flat(),
        ),
        deps.slo.store.listMinutes(fromMinute, toMinute),
        deps.slo.store.listHistory(fromMinute, toMinute),
        // Alerts fired before the period count too while they were open inside it.
        deps.slo.store.listAlerts(new Date(0).toISOString()),
        deps.turns.totals(period.from.toISOString()),
        deps.goldens.latestFullVerifyRuns({ contentHash: deps.contentHash() }, goldenRuns),
        deps.audit.verify(),
      ]);
      const merged = mergeMinutes(rows);
      const checks: DecommissionCheck[] = [
        fullRolloutCheck(status, changes, period),
        slosHealthyCheck(rows, history, alerts, period, deps.slo.thresholds, deps.slo.minSample),
        goldensCheck(runs, goldenRuns, deps.contentHash()),
        feedbackCheck(feedbackSignal(merged.awf, merged.legacy, deps.slo.thresholds.feedbackDownDeltaPp)),
        legacyOnlyFallbacksCheck(merged, turns, period),
        nothingForcesLegacyCheck(status, now),
        auditChainCheck(verification),
      ];
      return {
        ready: checks.every((check) => check.ok),
        checkedAt: now.toISOString(),
        days,
        from: period.from.toISOString(),
        goldenRuns,
        checks,
      };
    },
  };
}

/** A number of days the check accepts: positive, at most MAX_DAYS; else INVALID_INPUT naming it. */
export function checkDays(days: number): number {
  if (!Number.isFinite(days) || days <= 0 || days > MAX_DAYS) {
    throw new InvalidInputError(`days must be a number above 0 and at most ${MAX_DAYS} (got ${days})`);
  }
  return days;
}

/** A golden run count the check accepts: a whole number 1–MAX_GOLDEN_RUNS; else INVALID_INPUT. */
export function checkGoldenRuns(runs: number): number {
  if (!Number.isInteger(runs) || runs < 1 || runs > MAX_GOLDEN_RUNS) {
    throw new InvalidInputError(
      `golden runs must be a whole number from 1 to ${MAX_GOLDEN_RUNS} (got ${runs})`,
    );
  }
  return runs;
}

interface Period {
  from: Date;
  to: Date;
  days: number;
}

type RolloutStatus = Awaited<ReturnType<RolloutService['status']>>;

const fixed2 = (value: number): number => Math.round(value * 100) / 100;
const daysBetween = (from: string, to: Date): number => fixed2((to.getTime() - Date.parse(from)) / DAY_MS);
const describeFlag = (value: boolean | null): string => (value === null ? 'unset' : value ? 'on' : 'off');
const describeValues = (values: RolloutValues): string =>
  `percent ${values.percent ?? 'unset'}, global flag ${describeFlag(values.globalEnabled)}`;

/** (a) The stored rollout is at 100 % with the stored flag on, and has been for `days` per the audit log. */
function fullRolloutCheck(status: RolloutStatus, entries: AuditEntry[], period: Period): DecommissionCheck {
  const { effective } = status;
  const stored: RolloutValues = {
    globalEnabled: effective.globalEnabled.store,
    percent: effective.percent.store,
  };
  const replay = replayFullRollout(entries, stored);
  const heldDays = replay.since === null ? 0 : daysBetween(replay.since, period.to);
  const evidence = {
    stored,
    since: replay.since,
    heldDays,
    requiredDays: period.days,
    replayedFromAudit: replay.replayed,
    changesInAudit: replay.changes.length,
    lastChanges: replay.changes.slice(-CHANGES_SHOWN),
  };
  if (stored.percent !== 100 || stored.globalEnabled !== true) {
    const hint =
      stored.globalEnabled === null || stored.percent === null
        ? ' (AWF_BUNDLE_ON / AWF_PERCENT_ROLLOUT are per process: store both with awf-rollout-set.ts --global on --percent 100)'
        : '';
    return {
      name: 'full_rollout',
      ok: false,
      summary: `the stored rollout is not 100 % with the global flag on: ${describeValues(stored)}${hint}`,
      evidence,
    };
  }
  if (replay.replayed.percent !== stored.percent || replay.replayed.globalEnabled !== stored.globalEnabled) {
    return {
      name: 'full_rollout',
      ok: false,
      summary: `the audit log does not account for the stored rollout: it replays to ${describeValues(replay.replayed)}, the store says ${describeValues(stored)}`,
      evidence,
    };
  }
  const since = replay.since as string;
  const ok = heldDays >= period.days;
  return {
    name: 'full_rollout',
    ok,
    summary: ok
      ? `100 % with the global flag on since ${since}: ${heldDays} days (at least ${period.days} required)`
      : `100 % with the global flag on only since ${since}: ${heldDays} of the ${period.days} days required`,
    evidence,
  };
}

/**
 * The period and its days are judged on the point value (a confidence of 50 %), not on the lower bound
 * the alerts fire on: decommissioning asks for the SLOs to have held, so a day above a threshold is not
 * excused for having too few turns to prove it.
 */
const POINT_VALUE = 50;

/** An alert that was open at some time inside the period. */
const overlaps = (alert: SloAlert, period: Period): boolean =>
  Date.parse(alert.firedAt) <= period.to.getTime() &&
  (alert.resolvedAt === undefined || Date.parse(alert.resolvedAt) >= period.from.getTime());

/**
 * (b) No SLO violated over the period: no evaluated minute in history violated, no alert of the three
 * SLOs and no critical alert open at any time in it, and the three judged from the stored aggregates
 * within their thresholds over the whole period (with at least SLO_MIN_SAMPLE AWF turns) and over each
 * of its days (the days judge what the evaluator's history may have missed while no evaluator ran).
 * Shadow SLOs never count.
 */
function slosHealthyCheck(
  rows: readonly StoredMinute[],
  history: Awaited<ReturnType<SloStore['listHistory']>>,
  alerts: SloAlert[],
  period: Period,
  thresholds: SloThresholds,
  minSample: number,
): DecommissionCheck {
  const awf = mergeMinutes(rows).awf;
  const sloNames = new Set<string>(SLO_NAMES);
  const points = history.filter((point) => sloNames.has(point.slo));
  const perSlo = SLO_NAMES.map((slo: SloName) => {
    const mine = points.filter((point) => point.slo === slo);
    const violated = mine.filter((point) => point.state === 'warning' || point.state === 'critical');
    const first = violated.reduce<number | undefined>(
      (min, point) => (min === undefined || point.minute < min ? point.minute : min),
      undefined,
    );
    return {
      slo,
      evaluatedMinutes: mine.length,
      judgedMinutes: mine.filter((point) => point.state !== 'insufficient_data').length,
      violatedMinutes: violated.length,
      ...(first === undefined ? {} : { firstViolatedAt: new Date(first * MINUTE_MS).toISOString() }),
    };
  });
  const inPeriod = alerts.filter(
    (alert) =>
      !alert.slo.startsWith('shadow_') &&
      (sloNames.has(alert.slo) || alert.severity === 'critical') &&
      overlaps(alert, period),
  );
  const overPeriod = judgeSlos(awf, thresholds, minSample, POINT_VALUE).map((result) => ({
    slo: result.slo,
    value: result.value,
    threshold: result.threshold,
    unit: result.unit,
    state: result.state,
    sample: result.sample,
    minSample: result.minSample,
  }));
  const perDay = judgeEachDay(rows, period, thresholds, minSample);
  const evaluatedMinutes = Math.max(0, ...perSlo.map((slo) => slo.evaluatedMinutes));
  const judgedMinutes = Math.max(0, ...perSlo.map((slo) => slo.judgedMinutes));
  const violatedMinutes = perSlo.reduce((sum, slo) => sum + slo.violatedMinutes, 0);
  const periodMinutes = minuteOf(period.to.getTime()) - minuteOf(period.from.getTime()) + 1;
  const evidence = {
    period: { from: period.from.toISOString(), to: period.to.toISOString(), minutes: periodMinutes },
    history: {
      evaluatedMinutes,
      // The share of the period's minutes the evaluator recorded: a gap is minutes nobody judged.
      coveragePct: fixed2((evaluatedMinutes / periodMinutes) * 100),
      judgedMinutes,
      violatedMinutes,
      perSlo,
    },
    alerts: inPeriod.map((alert) => ({
      id: alert.id,
      slo: alert.slo,
      severity: alert.severity,
      firedAt: alert.firedAt,
      firedValue: alert.firedValue,
      firedSample: alert.firedSample,
      threshold: alert.threshold,
      resolvedAt: alert.resolvedAt ?? null,
      resolvedReason: alert.resolvedReason ?? null,
    })),
    overPeriod,
    perDay,
  };
  const problems: string[] = [];
  if (violatedMinutes > 0) {
    problems.push(
      `violated in ${violatedMinutes} evaluated minute(s): ${perSlo
        .filter((slo) => slo.violatedMinutes > 0)
        .map((slo) => `${slo.slo} ${slo.violatedMinutes} (first ${slo.firstViolatedAt})`)
        .join(', ')}`,
    );
  }
  if (inPeriod.length > 0) {
    problems.push(
      `${inPeriod.length} alert(s) open in the period: ${inPeriod.map((alert) => `${alert.slo} (${alert.severity}) fired ${alert.firedAt}${alert.resolvedAt ? `, resolved ${alert.resolvedAt}` : ', still open'}`).join('; ')}`,
    );
  }
  const overLimit = overPeriod.filter((result) => result.state === 'warning' || result.state === 'critical');
  if (overLimit.length > 0) {
    problems.push(
      `over the whole period: ${overLimit.map((result) => `${result.slo} ${fixed2(result.value ?? 0)} ${result.unit} > ${result.threshold} ${result.unit}`).join(', ')}`,
    );
  }
  const badDays = perDay.filter((day) => day.violated.length > 0);
  if (badDays.length > 0) {
    problems.push(
      `violated over ${badDays.length} day(s) of the period: ${badDays.map((day) => `${day.from} ${day.violated.join(', ')} (${day.awfTurns} AWF turns)`).join('; ')}`,
    );
  }
  if (overPeriod.some((result) => result.state === 'insufficient_data')) {
    problems.push(
      `only ${awf.turns} AWF turns in the period (fewer than SLO_MIN_SAMPLE ${minSample}): nothing to judge`,
    );
  }
  if (judgedMinutes === 0) {
    problems.push(
      'no evaluated minute with enough AWF turns in the SLO history: the evaluator has no record of the period',
    );
  }
  const values = overPeriod
    .map((result) => `${result.slo} ${result.value === null ? '-' : fixed2(result.value)} ${result.unit}`)
    .join(', ');
  return {
    name: 'slos_healthy',
    ok: problems.length === 0,
    summary:
      problems.length === 0
        ? `no SLO violated in ${judgedMinutes} judged minute(s) of history and no alert in the last ${period.days} days; over the period (${awf.turns} AWF turns): ${values}`
        : problems.join('; '),
    evidence,
  };
}

/** Each day of the period (from its start, the last one partial) judged over its own AWF turns. */
function judgeEachDay(
  rows: readonly StoredMinute[],
  period: Period,
  thresholds: SloThresholds,
  minSample: number,
): Array<{ from: string; awfTurns: number; violated: string[]; values: Record<string, number | null> }> {
  const fromMs = period.from.getTime();
  const dayCount = Math.ceil((period.to.getTime() - fromMs) / DAY_MS);
  const byDay: StoredMinute[][] = Array.from({ length: dayCount }, () => []);
  for (const row of rows) {
    const index = Math.min(dayCount - 1, Math.max(0, Math.floor((row.minute * MINUTE_MS - fromMs) / DAY_MS)));
    byDay[index]?.push(row);
  }
  return byDay.map((dayRows, index) => {
    const judged = judgeSlos(mergeMinutes(dayRows).awf, thresholds, minSample, POINT_VALUE);
    return {
      from: new Date(fromMs + index * DAY_MS).toISOString(),
      awfTurns: judged[0]?.sample ?? 0,
      violated: judged
        .filter((result) => result.state === 'warning' || result.state === 'critical')
        .map((result) => `${result.slo} ${fixed2(result.value ?? 0)} ${result.unit}`),
      values: Object.fromEntries(
        judged.map((result) => [result.slo, result.value === null ? null : fixed2(result.value)]),
      ),
    };
  });
}

/** (c) The latest `required` full golden verify runs against the served content all passed. */
function goldensCheck(
  runs: Awaited<ReturnType<GoldenRunsReadModel['latestFullVerifyRuns']>>,
  required: number,
  contentHash: string,
): DecommissionCheck {
  const evidence = { contentHash, required, runs };
  const content = `content ${contentHash.slice(0, 12)}…`;
  const failed = runs.filter((run) => run.failing.length > 0);
  if (failed.length > 0) {
    return {
      name: 'goldens_passing',
      ok: false,
      summary: failed
        .map(
          (run) =>
            `golden verify run ${run.runId} at ${run.startedAt} failed ${run.failing.length} of ${run.scenarios} scenario(s): ${run.failing.join(', ')}`,
        )
        .join('; '),
      evidence,
    };
  }
  if (runs.length < required) {
    return {
      name: 'goldens_passing',
      ok: false,
      summary: `${runs.length} full golden verify run(s) stored against the served ${content}; ${required} needed (npm run awf:golden:test stores one)`,
      evidence,
    };
  }
  const newest = runs[0];
  return {
    name: 'goldens_passing',
    ok: true,
    summary: `the last ${required} full golden verify run(s) against the served ${content} passed every scenario (newest ${newest?.runId} at ${newest?.startedAt}, ${newest?.scenarios} scenarios)`,
    evidence,
  };
}

/**
 * (d) Players do not rate AWF worse than legacy: the 95 % interval (Newcombe/Wilson) of the AWF − legacy
 * down-rate over the period does not lie wholly above the margin (SLO_FEEDBACK_DOWN_DELTA when set, else
 * 0 pp). No ratings at all: not collected, which does not block.
 */
function feedbackCheck(signal: ReturnType<typeof feedbackSignal>): DecommissionCheck {
  const margin = signal.guardrailPp ?? 0;
  const { difference, awf, legacy } = signal;
  const evidence = {
    marginPp: margin,
    marginFrom: signal.guardrailPp === null ? 'default (0 pp: not worse at all)' : 'SLO_FEEDBACK_DOWN_DELTA',
    awf: {
      answeredTurns: awf.answeredTurns,
      ratings: awf.ratings,
      down: awf.down,
      downRatePct: awf.downRatePct,
      downRateCi95Pct: awf.downRateCi95Pct,
    },
    legacy: {
      answeredTurns: legacy.answeredTurns,
      ratings: legacy.ratings,
      down: legacy.down,
      downRatePct: legacy.downRatePct,
      downRateCi95Pct: legacy.downRateCi95Pct,
    },
    difference,
  };
  if (awf.ratings + legacy.ratings === 0) {
    return {
      name: 'feedback_not_worse',
      ok: true,
      summary: `not collected: no player ratings in the period (${awf.answeredTurns} AWF-answered, ${legacy.answeredTurns} legacy-answered turns)`,
      evidence,
    };
  }
  const ci = difference.ci95Pp;
  if (ci === null || difference.deltaPp === null) {
    return {
      name: 'feedback_not_worse',
      ok: true,
      summary: `no comparison possible: ${awf.answeredTurns} AWF-answered and ${legacy.answeredTurns} legacy-answered turns in the period (AWF ${awf.down} down of ${awf.ratings} ratings)`,
      evidence,
    };
  }
  const delta = `AWF − legacy down-rate ${difference.deltaPp >= 0 ? '+' : ''}${difference.deltaPp} pp, 95 % CI [${ci.low}, ${ci.high}] (Newcombe/Wilson, ${difference.awfTurns} vs ${difference.legacyTurns} answered turns)`;
  const ok = ci.low <= margin;
  return {
    name: 'feedback_not_worse',
    ok,
    summary: ok
      ? `${delta}: not worse than legacy beyond ${margin} pp`
      : `${delta}: AWF worse than legacy with 95 % confidence (lower bound above ${margin} pp)`,
    evidence,
  };
}

/**
 * (e) Legacy answered only AWF fallbacks over the period: no turn routed to legacy in the per-minute
 * aggregates nor in the turn log (which also names why a turn went to legacy), and AWF did answer.
 */
function legacyOnlyFallbacksCheck(
  merged: ReturnType<typeof mergeMinutes>,
  turns: Awaited<ReturnType<TurnsReadModel['totals']>>,
  period: Period,
): DecommissionCheck {
  const legacyReasons = Object.fromEntries(
    Object.entries(turns.routed.byReason)
      .filter(([, counts]) => counts.legacy > 0)
      .map(([reason, counts]) => [reason, counts.legacy]),
  );
  const evidence = {
    aggregates: {
      awfTurns: merged.awf.turns,
      awfFallbacks: merged.awf.fallbacks,
      fallbackReasons: merged.awf.fallbackReasons,
      legacyRoutedTurns: merged.legacy.turns,
    },
    turnLog: {
      awfRoutedTurns: turns.routed.turns.awf,
      fallbacks: turns.fallbacks,
      legacyRoutedTurns: turns.routed.turns.legacy,
      legacyRouteReasons: legacyReasons,
    },
  };
  const legacyRouted = Math.max(merged.legacy.turns, turns.routed.turns.legacy);
  if (legacyRouted > 0) {
    const reasons = Object.entries(legacyReasons)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    return {
      name: 'legacy_only_fallbacks',
      ok: false,
      summary: `legacy answered turns routed to it in the last ${period.days} days: ${merged.legacy.turns} in the SLO aggregates, ${turns.routed.turns.legacy} in the turn log${reasons ? ` (${reasons})` : ''}`,
      evidence,
    };
  }
  if (merged.awf.turns === 0) {
    return {
      name: 'legacy_only_fallbacks',
      ok: false,
      summary: `no turns at all in the last ${period.days} days: nothing shows AWF answering`,
      evidence,
    };
  }
  return {
    name: 'legacy_only_fallbacks',
    ok: true,
    summary: `legacy answered only AWF fallbacks: ${merged.awf.fallbacks} of ${merged.awf.turns} AWF turns fell back, 0 turns routed to legacy`,
    evidence,
  };
}

/**
 * (f) Nothing forces legacy now: no unexpired `--disable` override, and neither switch
 * (EMERGENCY_FALLBACK, LEGACY_TURN_ENABLED) nor AWF_BUNDLE_ON=false set — in this process's environment,
 * which for GET /api/admin/decommission is the server's.
 */
function nothingForcesLegacyCheck(status: RolloutStatus, now: Date): DecommissionCheck {
  const { effective } = status;
  const legacyOverrides = status.overrides.filter(
    (override) => override.pipeline === 'legacy' && override.state === 'active',
  );
  const switches = {
    EMERGENCY_FALLBACK: effective.emergencyFallback.value,
    LEGACY_TURN_ENABLED: effective.legacyTurnEnabled.value,
    AWF_BUNDLE_ON: effective.globalEnabled.env,
  };
  const evidence = {
    switches,
    switchesFrom: "this process's environment",
    legacyOverrides: {
      user: legacyOverrides.filter((override) => override.kind === 'user').length,
      session: legacyOverrides.filter((override) => override.kind === 'session').length,
      named: legacyOverrides.slice(0, OVERRIDES_SHOWN).map((override) => ({
        kind: override.kind,
        subjectId: override.subjectId,
        expiresAt: override.expiresAt,
        createdBy: override.createdBy,
      })),
    },
    checkedAt: now.toISOString(),
  };
  const problems: string[] = [];
  if (switches.EMERGENCY_FALLBACK) problems.push('EMERGENCY_FALLBACK=true');
  if (switches.LEGACY_TURN_ENABLED) problems.push('LEGACY_TURN_ENABLED=true');
  if (switches.AWF_BUNDLE_ON === false) problems.push('AWF_BUNDLE_ON=false');
  if (legacyOverrides.length > 0) {
    problems.push(
      `${legacyOverrides.length} active --disable override(s): ${legacyOverrides
        .slice(0, OVERRIDES_SHOWN)
        .map((override) => `${override.kind}:${override.subjectId}`)
        .join(', ')}`,
    );
  }
  return {
    name: 'nothing_forces_legacy',
    ok: problems.length === 0,
    summary:
      problems.length === 0
        ? "no active --disable override; EMERGENCY_FALLBACK, LEGACY_TURN_ENABLED and AWF_BUNDLE_ON=false not set in this process's environment"
        : `legacy is forced: ${problems.join('; ')}`,
    evidence,
  };
}

/** (g) The audit chain verifies from its first entry to its head, checkpoints included. */
function auditChainCheck(verification: Awaited<ReturnType<AuditQueries['verify']>>): DecommissionCheck {
  const evidence = {
    entries: verification.entries,
    head: verification.head,
    checkpoints: verification.checkpoints,
    firstBad: verification.firstBad,
  };
  if (!verification.ok) {
    const bad = verification.firstBad;
    return {
      name: 'audit_chain',
      ok: false,
      summary: `the audit chain does not verify: ${bad ? `seq ${bad.seq} ${bad.reason}: ${bad.message}` : 'unknown failure'}`,
      evidence,
    };
  }
  return {
    name: 'audit_chain',
    ok: true,
    summary: `the audit chain verifies: ${verification.entries} entries to head seq ${verification.head?.seq ?? 0}, ${verification.checkpoints.checked} checkpoint(s) checked`,
    evidence,
  };
}
