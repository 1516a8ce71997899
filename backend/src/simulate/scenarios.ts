import type { Pipeline } from '../game/game-types.js';
import type { PipelineOutcomes, RatingBehaviour } from './synthetic-turns.js';

export const SCENARIO_NAMES = [
  'healthy',
  'bad-canary',
  'slow-degradation',
  'no-traffic',
  'flapping',
  'provider-outage',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What a scenario may depend on: the simulated time and when the router first applied each percent. */
export interface SimMoment {
  atMs: number;
  /** The first simulated instant the router routed with `percent` (undefined: not yet). */
  firstApplied(percent: number): number | undefined;
}

/** A simulated rollout: the plan an operator starts, the traffic, and the faults scheduled over time. */
export interface Scenario {
  name: ScenarioName;
  /** One line for people. */
  summary: string;
  /** Used when --rate / --days are not given. */
  defaults: { ratePerSecond: number; days: number };
  /** The plan the simulated operator starts (`awf-plan.ts start --stages … --bake …`). */
  plan: { stages: number[]; bakeMs: number };
  /** The share of the nominal rate arriving now (0: nobody plays). */
  trafficFactor(moment: SimMoment): number;
  /** How each pipeline's turns turn out now. */
  outcomes(pipeline: Pipeline, moment: SimMoment): PipelineOutcomes;
  /** When the scenario's fault began, once it has (ms); undefined for a fault-free run. */
  faultStartedAt(moment: SimMoment): number | undefined;
  ratings: Record<Pipeline, RatingBehaviour>;
}

/** The healthy pipelines: fallback 0.3 %, retry 2 %, p95 3 s — under the thresholds, not zero. */
export const HEALTHY: PipelineOutcomes = {
  retryPct: 2,
  fallbackPct: 0.3,
  failedPct: 0,
  latency: { medianMs: 1_500, p95Ms: 3_000 },
  // A provider that refuses connections fails fast.
  failedLatency: { medianMs: 300, p95Ms: 600 },
};
const LEGACY: PipelineOutcomes = { ...HEALTHY, fallbackPct: 0 };
const RATINGS: Record<Pipeline, RatingBehaviour> = {
  awf: { ratedPct: 2, downPct: 10 },
  legacy: { ratedPct: 2, downPct: 10 },
};
const SEED_STAGES = [5, 25, 50, 100];
const WEEK = 7 * DAY;

/** From when the router first applied `percent`; undefined before. */
function since(moment: SimMoment, percent: number): number | undefined {
  return moment.firstApplied(percent);
}

const healthy: Scenario = {
  name: 'healthy',
  summary: 'fallback 0.3 %, retry 2 %, p95 3 s on both pipelines; the seed plan 5→25→50→100 with 7-day bakes',
  defaults: { ratePerSecond: 1, days: 35 },
  plan: { stages: SEED_STAGES, bakeMs: WEEK },
  trafficFactor: () => 1,
  outcomes: (pipeline) => (pipeline === 'awf' ? HEALTHY : LEGACY),
  faultStartedAt: () => undefined,
  ratings: RATINGS,
};

const BAD_CANARY_FALLBACK_PCT = 20;
const badCanary: Scenario = {
  name: 'bad-canary',
  summary: `AWF falls back on ${BAD_CANARY_FALLBACK_PCT} % of turns from the moment 5 % starts`,
  defaults: { ratePerSecond: 20, days: 1 },
  plan: { stages: SEED_STAGES, bakeMs: WEEK },
  trafficFactor: () => 1,
  outcomes(pipeline, moment) {
    if (pipeline === 'legacy') return LEGACY;
    const from = since(moment, 5);
    return from !== undefined && moment.atMs >= from
      ? { ...HEALTHY, fallbackPct: BAD_CANARY_FALLBACK_PCT }
      : HEALTHY;
  },
  faultStartedAt: (moment) => since(moment, 5),
  ratings: RATINGS,
};

/** AWF's fallback rate creeps linearly from 0.5 % to 3 % over the day after 25 % starts, then stays. */
export const SLOW_DEGRADATION = { fromPct: 0.5, toPct: 3, overMs: DAY } as const;
const slowDegradation: Scenario = {
  name: 'slow-degradation',
  summary: `AWF's fallback rate creeps ${SLOW_DEGRADATION.fromPct} % → ${SLOW_DEGRADATION.toPct} % over a day at 25 % (the plan starts at 25 %)`,
  defaults: { ratePerSecond: 20, days: 2 },
  plan: { stages: [25, 50, 100], bakeMs: WEEK },
  trafficFactor: () => 1,
  outcomes(pipeline, moment) {
    if (pipeline === 'legacy') return LEGACY;
    const from = since(moment, 25);
    if (from === undefined) return { ...HEALTHY, fallbackPct: SLOW_DEGRADATION.fromPct };
    const progress = Math.min(1, Math.max(0, (moment.atMs - from) / SLOW_DEGRADATION.overMs));
    const { fromPct, toPct } = SLOW_DEGRADATION;
    return { ...HEALTHY, fallbackPct: fromPct + (toPct - fromPct) * progress };
  },
  faultStartedAt: (moment) => since(moment, 25),
  ratings: RATINGS,
};

/** Nobody plays for 6 h, starting 1 h into the 5 % stage. */
export const NO_TRAFFIC = { afterStageStartMs: HOUR, forMs: 6 * HOUR } as const;
const noTraffic: Scenario = {
  name: 'no-traffic',
  summary: 'healthy, but nobody plays for 6 h starting 1 h into the 5 % stage',
  defaults: { ratePerSecond: 20, days: 0.5 },
  plan: { stages: SEED_STAGES, bakeMs: WEEK },
  trafficFactor(moment) {
    const from = quietFrom(moment);
    return from !== undefined && moment.atMs >= from && moment.atMs < from + NO_TRAFFIC.forMs ? 0 : 1;
  },
  outcomes: (pipeline) => (pipeline === 'awf' ? HEALTHY : LEGACY),
  faultStartedAt: quietFrom,
  ratings: RATINGS,
};
function quietFrom(moment: SimMoment): number | undefined {
  const stage = since(moment, 5);
  return stage === undefined ? undefined : stage + NO_TRAFFIC.afterStageStartMs;
}

/** One minute in which 10 % of AWF turns fall back, 12 h into the 5 % stage, in an otherwise healthy week. */
export const FLAPPING_SPIKE = { afterStageStartMs: 12 * HOUR, forMs: MINUTE, fallbackPct: 10 } as const;
const flapping: Scenario = {
  name: 'flapping',
  summary: 'healthy, except one minute of 10 % AWF fallbacks 12 h into the 5 % stage',
  defaults: { ratePerSecond: 20, days: 7 },
  plan: { stages: SEED_STAGES, bakeMs: WEEK },
  trafficFactor: () => 1,
  outcomes(pipeline, moment) {
    if (pipeline === 'legacy') return LEGACY;
    const from = spikeFrom(moment);
    return from !== undefined && moment.atMs >= from && moment.atMs < from + FLAPPING_SPIKE.forMs
      ? { ...HEALTHY, fallbackPct: FLAPPING_SPIKE.fallbackPct }
      : HEALTHY;
  },
  faultStartedAt: spikeFrom,
  ratings: RATINGS,
};
function spikeFrom(moment: SimMoment): number | undefined {
  const stage = since(moment, 5);
  return stage === undefined ? undefined : stage + FLAPPING_SPIKE.afterStageStartMs;
}

/** The model provider refuses every call of both pipelines for 5 minutes, 2 h into the 5 % stage. */
export const PROVIDER_OUTAGE = { afterStageStartMs: 2 * HOUR, forMs: 5 * MINUTE } as const;
const providerOutage: Scenario = {
  name: 'provider-outage',
  summary: 'the model provider fails every turn of both pipelines for 5 minutes, 2 h into the 5 % stage',
  defaults: { ratePerSecond: 20, days: 0.5 },
  plan: { stages: SEED_STAGES, bakeMs: WEEK },
  trafficFactor: () => 1,
  outcomes(pipeline, moment) {
    const base = pipeline === 'awf' ? HEALTHY : LEGACY;
    const from = outageFrom(moment);
    return from !== undefined && moment.atMs >= from && moment.atMs < from + PROVIDER_OUTAGE.forMs
      ? { ...base, failedPct: 100 }
      : base;
  },
  faultStartedAt: outageFrom,
  ratings: RATINGS,
};
function outageFrom(moment: SimMoment): number | undefined {
  const stage = since(moment, 5);
  return stage === undefined ? undefined : stage + PROVIDER_OUTAGE.afterStageStartMs;
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  healthy,
  'bad-canary': badCanary,
  'slow-degradation': slowDegradation,
  'no-traffic': noTraffic,
  flapping,
  'provider-outage': providerOutage,
};
