import type { Pipeline } from '../game/game-types.js';
import type { PlanDecision } from '../plan/plan-types.js';
import type { RolloutSnapshot, Router } from '../rollout/route-decision.js';
import type { SloAlertCallback, SloService } from '../slos/awf-slos.js';
import { MINUTE_MS } from '../slos/turn-aggregates.js';
import { createSimulatedPlayers } from './population.js';
import type { Scenario, SimMoment } from './scenarios.js';
import { simRandom } from './sim-random.js';
import { drawRatings, drawTurnBatch } from './synthetic-turns.js';

/** A plan decision as the simulator records it (what the controller's evaluateOnce returned). */
export type SimDecision = Pick<
  PlanDecision,
  'id' | 'at' | 'stage' | 'stagePercent' | 'action' | 'reason' | 'evidence'
>;

/** What the simulated operators do through the real services (start the plan, approve a stage). */
export interface SimOperators {
  /** Turns the global flag on at 0 % and starts the scenario's plan. */
  startPlan(plan: Scenario['plan']): Promise<void>;
  /** A second actor approves the next stage (called when the controller holds for approval). */
  approve(): Promise<void>;
}

/** The real services the simulator drives on its fake clock (wired by the entry point). */
export interface SimulationServices {
  slos: Pick<SloService, 'recordTurns' | 'recordFeedback' | 'flush' | 'evaluate' | 'onAlert'>;
  rolloutState: { current(): RolloutSnapshot | undefined; refresh(): Promise<void> };
  router: Router;
  /** One evaluation of the plan controller at the clock's now. */
  evaluatePlan(): Promise<SimDecision | undefined>;
  operators: SimOperators;
  /** Intervals of the real timers the simulator stands in for. */
  intervals: { sloEvaluationMs: number; planEvaluationMs: number; rolloutPollMs: number };
  /** The fallback-rate SLO threshold, percent (for the plot). */
  fallbackThresholdPct: number;
}

export interface SimulationOptions {
  scenario: Scenario;
  seed: number;
  ratePerSecond: number;
  durationMs: number;
  /** The simulated start (the fake clock's first instant). */
  startMs: number;
  /** Advances the fake clock the services read. */
  setClock(ms: number): void;
  onProgress?(progress: SimProgress): void;
  /** What happened before the run (e.g. the golden suite the operator ran), for the timeline. */
  operatorEvents?: OperatorEvent[];
}

export interface SimProgress {
  elapsedMs: number;
  durationMs: number;
  percent: number;
  decisions: number;
}

/** One change of what the router applies, at the simulated instant the router picked it up. */
export interface AppliedChange {
  atMs: number;
  percent: number;
}

export interface AlertEventRecord {
  atMs: number;
  kind: 'fired' | 'resolved';
  slo: string;
  severity: string;
  value: number | null;
  reason?: string;
}

/** Per simulated minute, what actually happened (the plot's data). */
export interface MinuteSeries {
  /** Epoch minute of index 0. */
  firstMinute: number;
  awfTurns: Uint32Array;
  awfFallbacks: Uint32Array;
  legacyTurns: Uint32Array;
  /** The scenario's true AWF fallback rate at the start of each minute, percent. */
  trueAwfFallbackPct: Float64Array;
}

export interface OperatorEvent {
  atMs: number;
  what: string;
}

export interface SimulationRun {
  scenario: Scenario;
  seed: number;
  ratePerSecond: number;
  startMs: number;
  endMs: number;
  /** Every decision the controller returned, in order (holds included). */
  decisions: SimDecision[];
  applied: AppliedChange[];
  alerts: AlertEventRecord[];
  operatorEvents: OperatorEvent[];
  minutes: MinuteSeries;
  faultStartedAtMs?: number;
  fallbackThresholdPct: number;
  turns: { awf: number; legacy: number };
}

/** Traffic is drawn a second at a time: the router's percent and the faults apply per second. */
const SLICE_MS = 1_000;
/** The share of turns that start a session (sessions of ten turns on average). */
const NEW_SESSION_SHARE = 0.1;

type EventKind = 'refresh' | 'slo' | 'plan';

/**
 * Runs one scenario on the fake clock: each simulated second the turns that arrive are routed by the
 * real router's current snapshot (the share of simulated players it sends to AWF), drawn from the
 * scenario's outcomes, and recorded in batch into the real SLO aggregates; the real timers' jobs (SLO
 * evaluation, plan controller, rollout polling) run at their simulated instants, in time order.
 */
export async function runSimulation(
  services: SimulationServices,
  options: SimulationOptions,
): Promise<SimulationRun> {
  const { scenario, seed, ratePerSecond, durationMs, startMs } = options;
  const endMs = startMs + durationMs;
  const random = simRandom(seed);
  const players = createSimulatedPlayers(services.router, services.rolloutState.current, { seed });
  const decisions: SimDecision[] = [];
  const applied: AppliedChange[] = [];
  const alerts: AlertEventRecord[] = [];
  const operatorEvents: OperatorEvent[] = [...(options.operatorEvents ?? [])];
  const firstApplied = new Map<number, number>();
  const totalMinutes = Math.ceil(durationMs / MINUTE_MS);
  const minutes: MinuteSeries = {
    firstMinute: Math.floor(startMs / MINUTE_MS),
    awfTurns: new Uint32Array(totalMinutes),
    awfFallbacks: new Uint32Array(totalMinutes),
    legacyTurns: new Uint32Array(totalMinutes),
    trueAwfFallbackPct: new Float64Array(totalMinutes),
  };
  const turns = { awf: 0, legacy: 0 };
  const moment: SimMoment = { atMs: startMs, firstApplied: (percent) => firstApplied.get(percent) };
  let now = startMs;
  const setNow = (ms: number) => {
    now = ms;
    moment.atMs = ms;
    options.setClock(ms);
  };

  const appliedPercent = (): number => {
    const snapshot = services.rolloutState.current();
    return snapshot?.globalEnabled ? snapshot.percent : 0;
  };
  const noteApplied = () => {
    const percent = appliedPercent();
    const last = applied.at(-1);
    if (last === undefined || last.percent !== percent) {
      applied.push({ atMs: now, percent });
      if (!firstApplied.has(percent)) firstApplied.set(percent, now);
    }
  };

  const onAlert: SloAlertCallback = (event) => {
    alerts.push({
      atMs: now,
      kind: event.kind,
      slo: event.slo,
      severity: event.severity,
      value: event.value,
      ...(event.reason ? { reason: event.reason } : {}),
    });
  };
  const stopAlerts = services.slos.onAlert(onAlert);

  // The timers' next instants; a rollout refresh is due one poll interval after a plan evaluation.
  const { sloEvaluationMs, planEvaluationMs, rolloutPollMs } = services.intervals;
  const due: Record<EventKind, number> = {
    refresh: Number.POSITIVE_INFINITY,
    slo: startMs + sloEvaluationMs,
    plan: startMs + planEvaluationMs,
  };

  const runEvent = async (kind: EventKind): Promise<void> => {
    if (kind === 'refresh') {
      due.refresh = Number.POSITIVE_INFINITY;
      await services.rolloutState.refresh();
      noteApplied();
    } else if (kind === 'slo') {
      due.slo += sloEvaluationMs;
      await services.slos.evaluate();
    } else {
      due.plan += planEvaluationMs;
      await services.slos.flush();
      const decision = await services.evaluatePlan();
      if (decision) {
        decisions.push(decision);
        if (decision.action === 'hold' && decision.reason === 'awaiting_approval') {
          await services.operators.approve();
          operatorEvents.push({ atMs: now, what: 'a second operator approved the next stage' });
        }
      }
      due.refresh = Math.min(due.refresh, now + rolloutPollMs);
    }
  };

  try {
    setNow(startMs);
    await services.rolloutState.refresh();
    noteApplied();
    await services.operators.startPlan(scenario.plan);
    operatorEvents.push({
      atMs: now,
      what: `operator started the plan: stages ${scenario.plan.stages.join(',')}, bake ${formatDuration(scenario.plan.bakeMs)}`,
    });
    await services.rolloutState.refresh();
    noteApplied();

    let carry = 0;
    let lastProgressAt = startMs;
    const progressEveryMs = Math.max(MINUTE_MS, durationMs / 200);
    for (let slice = startMs; slice < endMs; slice += SLICE_MS) {
      // Every timer job due before this second, in time order (ties: refresh, then SLOs, then the plan).
      for (;;) {
        const next = (['refresh', 'slo', 'plan'] as const).reduce((a, b) => (due[b] < due[a] ? b : a));
        if (due[next] > slice) break;
        setNow(due[next]);
        await runEvent(next);
      }
      setNow(slice);
      const minuteIndex = Math.floor((slice - startMs) / MINUTE_MS);
      if ((slice - startMs) % MINUTE_MS === 0) {
        minutes.trueAwfFallbackPct[minuteIndex] = scenario.outcomes('awf', moment).fallbackPct;
      }
      carry += (ratePerSecond * scenario.trafficFactor(moment) * SLICE_MS) / 1000;
      const arriving = Math.floor(carry);
      carry -= arriving;
      if (arriving > 0) {
        // A tenth of the turns start a session (a new player, routed one by one: the sample-ratio
        // check counts these); the rest continue one, routed as the returning players are.
        const starting = random.binomial(arriving, NEW_SESSION_SHARE);
        const newSessions = { awf: 0, legacy: 0 };
        let startingOnAwf = 0;
        for (let i = 0; i < starting; i++) {
          const route = players.routeNewSession();
          if (route.isBucketed) newSessions[route.pipeline] += 1;
          if (route.pipeline === 'awf') startingOnAwf += 1;
        }
        const awfTurns = startingOnAwf + random.binomial(arriving - starting, players.awfShare());
        const answered = { awf: 0, legacy: 0 };
        for (const [pipeline, count] of [
          ['awf', awfTurns],
          ['legacy', arriving - awfTurns],
        ] as Array<[Pipeline, number]>) {
          if (count === 0) continue;
          const batch = drawTurnBatch(
            random,
            pipeline,
            count,
            scenario.outcomes(pipeline, moment),
            newSessions[pipeline],
          );
          services.slos.recordTurns(batch, slice);
          turns[pipeline] += count;
          if (pipeline === 'awf') {
            minutes.awfTurns[minuteIndex] = (minutes.awfTurns[minuteIndex] ?? 0) + count;
            minutes.awfFallbacks[minuteIndex] = (minutes.awfFallbacks[minuteIndex] ?? 0) + batch.fallbacks;
            answered.awf += count - batch.fallbacks;
            // A fallback's answer came from legacy, and is rated as legacy's.
            answered.legacy += batch.fallbacks - batch.failures;
          } else {
            minutes.legacyTurns[minuteIndex] = (minutes.legacyTurns[minuteIndex] ?? 0) + count;
            answered.legacy += count - batch.failures;
          }
        }
        for (const sample of drawRatings(random, answered, scenario.ratings)) {
          services.slos.recordFeedback(sample, slice);
        }
      }
      if (options.onProgress && slice - lastProgressAt >= progressEveryMs) {
        lastProgressAt = slice;
        options.onProgress({
          elapsedMs: slice - startMs,
          durationMs,
          percent: appliedPercent(),
          decisions: decisions.length,
        });
      }
    }
    setNow(endMs);
    await services.slos.flush();
  } finally {
    stopAlerts();
  }
  options.onProgress?.({
    elapsedMs: durationMs,
    durationMs,
    percent: appliedPercent(),
    decisions: decisions.length,
  });
  const faultStartedAtMs = scenario.faultStartedAt(moment);
  return {
    scenario,
    seed,
    ratePerSecond,
    startMs,
    endMs,
    decisions,
    applied,
    alerts,
    operatorEvents,
    minutes,
    ...(faultStartedAtMs !== undefined && faultStartedAtMs <= endMs ? { faultStartedAtMs } : {}),
    fallbackThresholdPct: services.fallbackThresholdPct,
    turns,
  };
}

/** 7d, 6h, 90s, 1d 2h: the largest units, for people. */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
    if (parts.length === 2) break;
  }
  return parts.length === 0 ? `${rest}ms` : parts.join(' ');
}
