import type { Pipeline } from '../game/game-types.js';
import type { FailedTurn } from '../turns/turn-service.js';
import { LatencySketch } from './latency-sketch.js';

/** What the SLOs need of one turn. `pipeline` is where the router sent it, so a fallback counts as AWF. */
export interface TurnSample {
  pipeline: Pipeline;
  latencyMs: number;
  retried: boolean;
  fallback: boolean;
  fallbackReason?: string | undefined;
  /** The turn produced no answer (the pipeline, and for AWF its fallback, failed). */
  failed?: boolean;
}

/** Fallback reasons of AWF turns that failed outright: the legacy fallback failed too, or something else did. */
export const FAILED_TURN_FALLBACK_REASONS = ['legacy_unavailable', 'turn_failed'] as const;

/**
 * A turn that failed outright, as the SLOs count it: a turn of the routed pipeline with its latency;
 * for AWF also a fallback (its legacy fallback failed, reason `legacy_unavailable`; any other error,
 * `turn_failed`), so the worst outages count against the fallback rate instead of vanishing.
 */
export function failedTurnSample(
  event: Pick<FailedTurn, 'decision' | 'latencyMs' | 'errorCode'>,
): TurnSample {
  const isAwf = event.decision.pipeline === 'awf';
  return {
    pipeline: event.decision.pipeline,
    latencyMs: event.latencyMs,
    retried: false,
    fallback: isAwf,
    fallbackReason: isAwf
      ? event.errorCode === 'LEGACY_UNAVAILABLE'
        ? 'legacy_unavailable'
        : 'turn_failed'
      : undefined,
    failed: true,
  };
}

/**
 * Player ratings of one pipeline's answers (by the pipeline that answered: a fallback is legacy).
 * Stored as deltas: a replaced rating subtracts the old one and adds the new one in the minute it was
 * replaced, so any window sums exactly and a turn rated twice inside the window counts once.
 */
export interface FeedbackCounts {
  up: number;
  down: number;
  /** Down ratings by reason (`none` when none was given). */
  downReasons: Record<string, number>;
}

/** One rating change for the aggregates: +1/-1/0 per count. */
export interface FeedbackSample extends FeedbackCounts {
  /** The pipeline that answered the rated turn. */
  pipeline: Pipeline;
}

/** Turns of one pipeline, counted and sketched: one minute of one instance, or a merged window. */
export interface TurnAggregate {
  turns: number;
  retries: number;
  fallbacks: number;
  /** Fallback reason → count. */
  fallbackReasons: Record<string, number>;
  /** Turns that failed outright (for AWF also counted as fallbacks). */
  failures: number;
  latency: LatencySketch;
  /** Ratings of this pipeline's answers. */
  feedback: FeedbackCounts;
}

/** One pipeline's aggregate for one minute (`minute` = epoch ms / 60 000, floored). */
export interface MinuteAggregate extends TurnAggregate {
  minute: number;
  pipeline: Pipeline;
}

export const MINUTE_MS = 60_000;

export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / MINUTE_MS);
}

export function emptyAggregate(): TurnAggregate {
  return {
    turns: 0,
    retries: 0,
    fallbacks: 0,
    fallbackReasons: {},
    failures: 0,
    latency: new LatencySketch(),
    feedback: { up: 0, down: 0, downReasons: {} },
  };
}

/** Adds `from`'s rating counts into `into`. */
export function mergeFeedback(into: FeedbackCounts, from: FeedbackCounts): void {
  into.up += from.up;
  into.down += from.down;
  for (const [reason, count] of Object.entries(from.downReasons)) {
    if (count !== 0) into.downReasons[reason] = (into.downReasons[reason] ?? 0) + count;
  }
}

/** Adds `from`'s counts and sketch into `into`. */
export function mergeAggregate(into: TurnAggregate, from: TurnAggregate): void {
  into.turns += from.turns;
  into.retries += from.retries;
  into.fallbacks += from.fallbacks;
  into.failures += from.failures;
  for (const [reason, count] of Object.entries(from.fallbackReasons)) {
    into.fallbackReasons[reason] = (into.fallbackReasons[reason] ?? 0) + count;
  }
  into.latency.merge(from.latency);
  mergeFeedback(into.feedback, from.feedback);
}

/**
 * The in-memory side of SLO data: the hot path adds a turn to its minute's aggregate (no I/O, no
 * allocation once the minute exists); `drain()` hands the pending minutes to a flush, and `restore()`
 * takes them back when the flush failed, so nothing is lost or counted twice.
 */
export class TurnAggregator {
  private pending = new Map<number, MinuteAggregate>();
  private lastAwf: MinuteAggregate | undefined;
  private lastLegacy: MinuteAggregate | undefined;

  /** Adds one turn at `atMs` (epoch ms). */
  record(sample: TurnSample, atMs: number): void {
    const minute = Math.floor(atMs / MINUTE_MS);
    const isAwf = sample.pipeline === 'awf';
    let aggregate = isAwf ? this.lastAwf : this.lastLegacy;
    if (aggregate === undefined || aggregate.minute !== minute) {
      aggregate = this.aggregateFor(minute, sample.pipeline);
      if (isAwf) this.lastAwf = aggregate;
      else this.lastLegacy = aggregate;
    }
    aggregate.turns += 1;
    if (sample.retried) aggregate.retries += 1;
    if (sample.fallback) {
      aggregate.fallbacks += 1;
      const reason = sample.fallbackReason ?? 'unknown';
      aggregate.fallbackReasons[reason] = (aggregate.fallbackReasons[reason] ?? 0) + 1;
    }
    if (sample.failed) aggregate.failures += 1;
    aggregate.latency.add(sample.latencyMs);
  }

  /** Adds one rating change at `atMs` (epoch ms) to its minute, on the pipeline that answered. */
  recordFeedback(sample: FeedbackSample, atMs: number): void {
    mergeFeedback(this.aggregateFor(Math.floor(atMs / MINUTE_MS), sample.pipeline).feedback, sample);
  }

  /** Whether any turn is waiting to be flushed. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Takes every pending minute, oldest first, leaving the aggregator empty. */
  drain(): MinuteAggregate[] {
    const drained = [...this.pending.values()].sort(
      (a, b) => a.minute - b.minute || a.pipeline.localeCompare(b.pipeline),
    );
    this.pending = new Map();
    this.lastAwf = undefined;
    this.lastLegacy = undefined;
    return drained;
  }

  /** Puts drained minutes back (merging with anything recorded since), after a failed flush. */
  restore(aggregates: readonly MinuteAggregate[]): void {
    for (const aggregate of aggregates) {
      mergeAggregate(this.aggregateFor(aggregate.minute, aggregate.pipeline), aggregate);
    }
  }

  private aggregateFor(minute: number, pipeline: Pipeline): MinuteAggregate {
    const key = minute * 2 + (pipeline === 'awf' ? 0 : 1);
    let aggregate = this.pending.get(key);
    if (aggregate === undefined) {
      aggregate = { minute, pipeline, ...emptyAggregate() };
      this.pending.set(key, aggregate);
    }
    return aggregate;
  }
}
