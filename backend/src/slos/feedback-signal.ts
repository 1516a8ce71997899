/**
 * The player-feedback signal (DESIGN §9): per pipeline, the down-rate over the turns it answered, and
 * the AWF − legacy difference with a 95 % confidence interval, judged as a guardrail when
 * SLO_FEEDBACK_DOWN_DELTA is set. Everything is computed from the merged window aggregates, so it is
 * exact across minutes and instances.
 */
import { type Interval, newcombeDifference, wilsonInterval } from './confidence-bounds.js';
import { FEEDBACK_GUARDRAIL, type SloState } from './slo-definitions.js';
import type { FeedbackCounts, TurnAggregate } from './turn-aggregates.js';

/** Ratings of one pipeline's answers over a window. Rates in percent; null when there is no answered turn. */
export interface PipelineFeedback {
  /** Turns this pipeline answered (AWF: AWF turns that did not fall back; legacy: legacy turns and AWF fallbacks legacy answered). */
  answeredTurns: number;
  /** Ratings counted (each turn once: a replaced rating counts as its latest). */
  ratings: number;
  up: number;
  down: number;
  downReasons: Record<string, number>;
  /** Down ratings per 1000 answered turns. */
  downPer1000Turns: number | null;
  /** Down ratings over answered turns, % (the proportion the difference compares). */
  downRatePct: number | null;
  /** Wilson score 95 % interval of downRatePct. */
  downRateCi95Pct: Interval | null;
  /** Down ratings over all ratings, %. */
  downShareOfRatingsPct: number | null;
}

/** The signal over one window. */
export interface FeedbackSignal {
  awf: PipelineFeedback;
  legacy: PipelineFeedback;
  /** AWF − legacy down-rate (per answered turn), percentage points. */
  difference: {
    deltaPp: number | null;
    /** 95 % interval of the difference; null until both pipelines answered a turn. */
    ci95Pp: Interval | null;
    /** Newcombe's hybrid score interval (method 10) from the two Wilson intervals. */
    method: 'newcombe-wilson';
    awfTurns: number;
    legacyTurns: number;
  };
  /** SLO_FEEDBACK_DOWN_DELTA in pp; null: informational (no guardrail). */
  guardrailPp: number | null;
}

/**
 * The turns each pipeline answered, from the routed aggregates: an AWF turn that fell back (or failed
 * outright) was not answered by AWF; legacy answered its own turns that did not fail and AWF's
 * fallbacks that did not fail.
 */
export function answeredTurns(awf: TurnAggregate, legacy: TurnAggregate): { awf: number; legacy: number } {
  return {
    awf: Math.max(0, awf.turns - awf.fallbacks),
    legacy: Math.max(0, legacy.turns - legacy.failures + (awf.fallbacks - awf.failures)),
  };
}

const round = (value: number, digits = 4): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function pipelineFeedback(counts: FeedbackCounts, turns: number): PipelineFeedback {
  // A window that holds a replacement but not the rating it replaced sees a negative delta; a rating
  // of a turn answered before the window is counted in it. Clamp so the rates stay proportions.
  const up = Math.max(0, counts.up);
  const down = Math.max(0, counts.down);
  const ratings = up + down;
  const downForRate = Math.min(down, turns);
  const downReasons = Object.fromEntries(Object.entries(counts.downReasons).filter(([, count]) => count > 0));
  return {
    answeredTurns: turns,
    ratings,
    up,
    down,
    downReasons,
    downPer1000Turns: turns === 0 ? null : round((down / turns) * 1000),
    downRatePct: turns === 0 ? null : round((downForRate / turns) * 100),
    downRateCi95Pct:
      turns === 0
        ? null
        : (({ low, high }) => ({ low: round(low * 100), high: round(high * 100) }))(
            wilsonInterval(downForRate, turns),
          ),
    downShareOfRatingsPct: ratings === 0 ? null : round((down / ratings) * 100),
  };
}

/** The feedback signal of a window's merged aggregates. */
export function feedbackSignal(
  awf: TurnAggregate,
  legacy: TurnAggregate,
  guardrailPp: number | undefined,
): FeedbackSignal {
  const turns = answeredTurns(awf, legacy);
  const awfFeedback = pipelineFeedback(awf.feedback, turns.awf);
  const legacyFeedback = pipelineFeedback(legacy.feedback, turns.legacy);
  const both = turns.awf > 0 && turns.legacy > 0;
  const awfDown = Math.min(awfFeedback.down, turns.awf);
  const legacyDown = Math.min(legacyFeedback.down, turns.legacy);
  const interval = both ? newcombeDifference(awfDown, turns.awf, legacyDown, turns.legacy) : undefined;
  return {
    awf: awfFeedback,
    legacy: legacyFeedback,
    difference: {
      deltaPp: both ? round((awfDown / turns.awf - legacyDown / turns.legacy) * 100) : null,
      ci95Pp: interval ? { low: round(interval.low * 100), high: round(interval.high * 100) } : null,
      method: 'newcombe-wilson',
      awfTurns: turns.awf,
      legacyTurns: turns.legacy,
    },
    guardrailPp: guardrailPp ?? null,
  };
}

/** The guardrail judged like an SLO: value, threshold, state and sample, for alerting and slo-status. */
export interface GuardrailJudgement {
  /** The lower end of the 95 % interval of AWF − legacy, pp; null until both pipelines answered. */
  value: number | null;
  threshold: number;
  state: SloState;
  /** The smaller of the two pipelines' answered turns: both need the minimum sample. */
  sample: number;
}

/**
 * Violated when AWF − legacy exceeds the threshold with 95 % confidence (the interval's lower end is
 * strictly above it); not judged while either pipeline answered fewer than `minSample` turns.
 */
export function judgeFeedbackGuardrail(
  signal: FeedbackSignal,
  thresholdPp: number,
  minSample: number,
): GuardrailJudgement {
  const { awfTurns, legacyTurns, ci95Pp } = signal.difference;
  const sample = Math.min(awfTurns, legacyTurns);
  const value = ci95Pp?.low ?? null;
  let state: SloState;
  if (value === null || sample < minSample) state = 'insufficient_data';
  else state = value > thresholdPp ? FEEDBACK_GUARDRAIL.severity : 'ok';
  return { value, threshold: thresholdPp, state, sample };
}
