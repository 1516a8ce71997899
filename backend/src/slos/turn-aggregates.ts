import type { Pipeline } from '../game/game-types.js';
import type { FailedTurn } from '../turns/turn-service.js';
import { LatencySketch } from './latency-sketch.js';

/**
 * Where a minute's turns went: the two pipelines a player can get, and `awf_shadow`, AWF runs on
 * legacy-routed turns whose answers nobody saw (issue 11).
 */
export type AggregatePipeline = Pipeline | 'awf_shadow';

export const AGGREGATE_PIPELINES: readonly AggregatePipeline[] = ['awf', 'legacy', 'awf_shadow'];

/**
 * What only shadow runs have, as integer counts so minutes and instances merge exactly: how they
 * compare with the answer that was served (over `compared` runs, those that produced valid output),
 * what they cost, and the runs dropped before running, by reason.
 */
export interface ShadowCounts {
  /** Runs whose first output was invalid and whose retry was valid. */
  validAfterRetry: number;
  /** Runs with valid output, compared with the served answer. */
  compared: number;
  sameScene: number;
  sameSceneChange: number;
  /** Same acts as the served answer (as a multiset). */
  sameActs: number;
  /** Normalised choice labels in both answers, and in either, summed over compared runs. */
  choiceShared: number;
  choiceUnion: number;
  tokensIn: number;
  tokensOut: number;
  bundleBytes: number;
  /** Runs dropped (queue_full, rate_cap, shutdown, error) → count; a drop is not a turn. */
  dropReasons: Record<string, number>;
}

/** One shadow run as the aggregates count it. */
export interface ShadowSample extends TurnSample {
  pipeline: 'awf';
  validAfterRetry: boolean;
  tokens: { in: number; out: number };
  bundleBytes: number;
  /** Agreement with the served answer; absent when the run would have fallen back. */
  agreement?: {
    sameScene: boolean;
    sameSceneChange: boolean;
    sameActs: boolean;
    choiceShared: number;
    choiceUnion: number;
  };
}

export function emptyShadowCounts(): ShadowCounts {
  return {
    validAfterRetry: 0,
    compared: 0,
    sameScene: 0,
    sameSceneChange: 0,
    sameActs: 0,
    choiceShared: 0,
    choiceUnion: 0,
    tokensIn: 0,
    tokensOut: 0,
    bundleBytes: 0,
    dropReasons: {},
  };
}

/** Adds `from`'s shadow counts into `into`. */
export function mergeShadowCounts(into: ShadowCounts, from: ShadowCounts): void {
  into.validAfterRetry += from.validAfterRetry;
  into.compared += from.compared;
  into.sameScene += from.sameScene;
  into.sameSceneChange += from.sameSceneChange;
  into.sameActs += from.sameActs;
  into.choiceShared += from.choiceShared;
  into.choiceUnion += from.choiceUnion;
  into.tokensIn += from.tokensIn;
  into.tokensOut += from.tokensOut;
  into.bundleBytes += from.bundleBytes;
  for (const [reason, count] of Object.entries(from.dropReasons)) {
    if (count !== 0) into.dropReasons[reason] = (into.dropReasons[reason] ?? 0) + count;
  }
}

/** What the SLOs need of one turn. `pipeline` is where the router sent it, so a fallback counts as AWF. */
export interface TurnSample {
  pipeline: Pipeline;
  latencyMs: number;
  retried: boolean;
  fallback: boolean;
  fallbackReason?: string | undefined;
  /** The turn produced no answer (the pipeline, and for AWF its fallback, failed). */
  failed?: boolean;
  /**
   * The session's first turn, routed by the percentage bucket (not an override or a switch): what the
   * staged plan's sample-ratio-mismatch check counts against the target share (issue 12).
   */
  newBucketedSession?: boolean;
  /** Model tokens the turn spent (both pipelines' calls when it fell back); absent counts zero. */
  tokens?: { in: number; out: number } | undefined;
  /** The AWF bundle's size in bytes (0 on legacy); absent counts zero. */
  bundleBytes?: number | undefined;
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

/**
 * Many turns of one pipeline within one minute, as counts and one latency per turn: what `record()`
 * would have counted one sample at a time (the simulator's batch path, where a call per turn would
 * cost more than the weeks of traffic it stands for). Failed turns are among `turns`; for AWF they
 * are fallbacks too, as `failedTurnSample` counts them.
 */
export interface TurnBatch {
  pipeline: Pipeline;
  turns: number;
  retries: number;
  fallbacks: number;
  /** Fallback reason → count; the counts add up to `fallbacks`. */
  fallbackReasons: Readonly<Record<string, number>>;
  failures: number;
  /** Turns that were a session's first, routed by the percentage bucket (`newBucketedSession`). */
  newSessions: number;
  /** One latency (ms) per turn. */
  latenciesMs: ArrayLike<number>;
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
  /** Shadow runs only (pipeline awf_shadow); zero elsewhere. */
  shadow: ShadowCounts;
  /** Sessions whose first turn the percentage bucket routed here (migration 014; the plan's SRM check). */
  newSessions: number;
  /**
   * What the turns spent, summed (the dashboard's average bundle size and tokens per turn). Shadow
   * runs keep theirs in `shadow`, so these stay zero on awf_shadow.
   */
  tokensIn: number;
  tokensOut: number;
  bundleBytes: number;
}

/** One pipeline's aggregate for one minute (`minute` = epoch ms / 60 000, floored). */
export interface MinuteAggregate extends TurnAggregate {
  minute: number;
  pipeline: AggregatePipeline;
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
    shadow: emptyShadowCounts(),
    newSessions: 0,
    tokensIn: 0,
    tokensOut: 0,
    bundleBytes: 0,
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
  into.newSessions += from.newSessions;
  for (const [reason, count] of Object.entries(from.fallbackReasons)) {
    into.fallbackReasons[reason] = (into.fallbackReasons[reason] ?? 0) + count;
  }
  into.latency.merge(from.latency);
  mergeFeedback(into.feedback, from.feedback);
  mergeShadowCounts(into.shadow, from.shadow);
  into.tokensIn += from.tokensIn;
  into.tokensOut += from.tokensOut;
  into.bundleBytes += from.bundleBytes;
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
    if (sample.newBucketedSession) aggregate.newSessions += 1;
    aggregate.latency.add(sample.latencyMs);
    if (sample.tokens) {
      aggregate.tokensIn += sample.tokens.in;
      aggregate.tokensOut += sample.tokens.out;
    }
    if (sample.bundleBytes) aggregate.bundleBytes += sample.bundleBytes;
  }

  /**
   * Adds a batch of turns at `atMs` (epoch ms) to its minute: the same aggregate as recording each of
   * its turns there. An inconsistent batch (counts above the turns, reasons not adding up, a latency
   * per turn missing) is refused before anything is counted.
   */
  recordBatch(batch: TurnBatch, atMs: number): void {
    assertConsistentBatch(batch);
    if (batch.turns === 0) return;
    const aggregate = this.aggregateFor(Math.floor(atMs / MINUTE_MS), batch.pipeline);
    aggregate.turns += batch.turns;
    aggregate.retries += batch.retries;
    aggregate.fallbacks += batch.fallbacks;
    for (const [reason, count] of Object.entries(batch.fallbackReasons)) {
      if (count > 0) aggregate.fallbackReasons[reason] = (aggregate.fallbackReasons[reason] ?? 0) + count;
    }
    aggregate.failures += batch.failures;
    aggregate.newSessions += batch.newSessions;
    const { latenciesMs } = batch;
    for (let i = 0; i < latenciesMs.length; i++) aggregate.latency.add(latenciesMs[i] as number);
  }

  /**
   * Adds one shadow run at `atMs` to its minute's `awf_shadow` aggregate: counted like an AWF turn
   * (retry, fallback with its reason, latency), plus agreement and spend. Off the request path.
   */
  recordShadow(sample: ShadowSample, atMs: number): void {
    const aggregate = this.aggregateFor(Math.floor(atMs / MINUTE_MS), 'awf_shadow');
    aggregate.turns += 1;
    if (sample.retried) aggregate.retries += 1;
    if (sample.fallback) {
      aggregate.fallbacks += 1;
      const reason = sample.fallbackReason ?? 'unknown';
      aggregate.fallbackReasons[reason] = (aggregate.fallbackReasons[reason] ?? 0) + 1;
    }
    if (sample.failed) aggregate.failures += 1;
    aggregate.latency.add(sample.latencyMs);
    const shadow = aggregate.shadow;
    if (sample.validAfterRetry) shadow.validAfterRetry += 1;
    shadow.tokensIn += sample.tokens.in;
    shadow.tokensOut += sample.tokens.out;
    shadow.bundleBytes += sample.bundleBytes;
    const agreement = sample.agreement;
    if (agreement) {
      shadow.compared += 1;
      if (agreement.sameScene) shadow.sameScene += 1;
      if (agreement.sameSceneChange) shadow.sameSceneChange += 1;
      if (agreement.sameActs) shadow.sameActs += 1;
      shadow.choiceShared += agreement.choiceShared;
      shadow.choiceUnion += agreement.choiceUnion;
    }
  }

  /** Counts one shadow run dropped before it ran (queue full, rate cap, shutdown, error). */
  recordShadowDrop(reason: string, atMs: number): void {
    const reasons = this.aggregateFor(Math.floor(atMs / MINUTE_MS), 'awf_shadow').shadow.dropReasons;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
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

  private aggregateFor(minute: number, pipeline: AggregatePipeline): MinuteAggregate {
    const key = minute * 3 + (pipeline === 'awf' ? 0 : pipeline === 'legacy' ? 1 : 2);
    let aggregate = this.pending.get(key);
    if (aggregate === undefined) {
      aggregate = { minute, pipeline, ...emptyAggregate() };
      this.pending.set(key, aggregate);
    }
    return aggregate;
  }
}

function assertConsistentBatch(batch: TurnBatch): void {
  const { turns, retries, fallbacks, failures, newSessions } = batch;
  const isCount = (n: number) => Number.isInteger(n) && n >= 0;
  if (![turns, retries, fallbacks, failures, newSessions].every(isCount)) {
    throw new RangeError('a turn batch counts whole numbers >= 0');
  }
  if (retries > turns || fallbacks > turns || failures > turns || newSessions > turns) {
    throw new RangeError(
      `a turn batch of ${turns} turns cannot have ${retries} retries, ${fallbacks} fallbacks, ${failures} failures, ${newSessions} new sessions`,
    );
  }
  const reasons = Object.values(batch.fallbackReasons);
  if (!reasons.every(isCount) || reasons.reduce((sum, count) => sum + count, 0) !== fallbacks) {
    throw new RangeError(`a turn batch's fallback reasons must add up to its ${fallbacks} fallbacks`);
  }
  if (batch.latenciesMs.length !== turns) {
    throw new RangeError(
      `a turn batch of ${turns} turns needs ${turns} latencies, got ${batch.latenciesMs.length}`,
    );
  }
  for (let i = 0; i < turns; i++) {
    const latency = batch.latenciesMs[i] as number;
    if (!(latency >= 0) || latency === Number.POSITIVE_INFINITY) {
      throw new RangeError(`a latency must be a finite number >= 0, got ${latency}`);
    }
  }
}
