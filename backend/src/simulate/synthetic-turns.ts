import type { Pipeline } from '../game/game-types.js';
import type { FeedbackSample, TurnBatch } from '../slos/turn-aggregates.js';
import type { LogNormal, SimRandom } from './sim-random.js';

/** How one pipeline's turns turn out at some moment: rates in percent of its turns. */
export interface PipelineOutcomes {
  /** Turns whose first output was invalid and were retried. */
  retryPct: number;
  /** AWF only: turns that fell back to legacy (the player still got an answer). */
  fallbackPct: number;
  /** Turns that failed outright (the provider answered neither pipeline): for AWF also fallbacks. */
  failedPct: number;
  /** Latency of the answered turns. */
  latency: LogNormal;
  /** Latency of the failed ones (a refused connection fails fast, a timeout does not). */
  failedLatency: LogNormal;
}

/** How players rate the answers they got: the same on both pipelines unless a scenario says otherwise. */
export interface RatingBehaviour {
  /** Answered turns that get a rating. */
  ratedPct: number;
  /** Of the ratings, the down ones. */
  downPct: number;
}

/** The fallback reason of synthetic AWF fallbacks (the validator refused the output twice). */
export const SYNTHETIC_FALLBACK_REASON = 'invalid_output';
/** An AWF turn whose legacy fallback failed too, as the SLOs count it (failedTurnSample). */
const FAILED_AWF_REASON = 'legacy_unavailable';

/**
 * `turns` turns of one pipeline drawn from its outcomes: failures first, then among the answered turns
 * fallbacks (AWF) and retries, each an exact binomial count; one latency per turn. `newSessions` of
 * them were a new session's first turn, routed by the percentage bucket.
 */
export function drawTurnBatch(
  random: SimRandom,
  pipeline: Pipeline,
  turns: number,
  outcomes: PipelineOutcomes,
  newSessions = 0,
): TurnBatch {
  const failures = random.binomial(turns, outcomes.failedPct / 100);
  const answered = turns - failures;
  const fallbacksAnswered = pipeline === 'awf' ? random.binomial(answered, outcomes.fallbackPct / 100) : 0;
  const retries = random.binomial(answered, outcomes.retryPct / 100);
  const latenciesMs = new Float64Array(turns);
  for (let i = 0; i < answered; i++) latenciesMs[i] = random.logNormal(outcomes.latency);
  for (let i = answered; i < turns; i++) latenciesMs[i] = random.logNormal(outcomes.failedLatency);
  const fallbackReasons: Record<string, number> = {};
  if (fallbacksAnswered > 0) fallbackReasons[SYNTHETIC_FALLBACK_REASON] = fallbacksAnswered;
  const failedAwf = pipeline === 'awf' ? failures : 0;
  if (failedAwf > 0) fallbackReasons[FAILED_AWF_REASON] = failedAwf;
  return {
    pipeline,
    turns,
    retries,
    fallbacks: fallbacksAnswered + failedAwf,
    fallbackReasons,
    failures,
    newSessions,
    latenciesMs,
  };
}

/**
 * The ratings players give the answers of one slice, by the pipeline that answered (a fallback's
 * answer is legacy's): an exact binomial count of rated answers, then of down ratings among them.
 */
export function drawRatings(
  random: SimRandom,
  answered: { awf: number; legacy: number },
  behaviour: { awf: RatingBehaviour; legacy: RatingBehaviour },
): FeedbackSample[] {
  const samples: FeedbackSample[] = [];
  for (const pipeline of ['awf', 'legacy'] as const) {
    const rated = random.binomial(answered[pipeline], behaviour[pipeline].ratedPct / 100);
    if (rated === 0) continue;
    const down = random.binomial(rated, behaviour[pipeline].downPct / 100);
    samples.push({ pipeline, up: rated - down, down, downReasons: down > 0 ? { incoherent: down } : {} });
  }
  return samples;
}
