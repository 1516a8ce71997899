import { BUCKETS, bucketOf } from './route-decision.js';
import type { ActiveUser, PipelineCounts, PipelineTotals, TurnTotals } from './turns-read-model.js';

/** Histogram bins: 20 of 500 buckets, i.e. 5 % of players each. */
export const HISTOGRAM_BINS = 20;
const BIN_WIDTH = BUCKETS / HISTOGRAM_BINS;

export interface BucketBin {
  /** Buckets [fromBucket, toBucket). */
  fromBucket: number;
  toBucket: number;
  /** Active users whose bucket falls in the bin. */
  users: number;
  /** Of those, users with at least one turn routed to AWF in the window (a fallback counts). */
  awfUsers: number;
  /** Where the current percentage puts the bin: wholly AWF, wholly legacy, or split. */
  expected: 'awf' | 'legacy' | 'split';
}

export interface Share {
  awf: number;
  legacy: number;
  /** awf / (awf + legacy) in percent with two decimals; null when there is nothing to count. */
  awfPct: number | null;
}

/** Turns, sessions and users on each pipeline; mixed sessions (users) count on both sides. */
export interface PipelineSplit {
  turns: Share;
  sessions: Share & { total: number };
  users: Share & { total: number };
  byReason: Record<string, PipelineCounts>;
}

/** The rollout's real distribution from stored turns, next to what the percentage asks for. */
export interface RolloutDistribution {
  since: string;
  /** The target: the effective percentage. */
  percent: number;
  /**
   * By the pipeline the router chose — what the percentage decides, and how the metrics label turns:
   * a turn that fell back from AWF to legacy counts as awf here. Compare this with `percent`.
   */
  routed: PipelineSplit & {
    /** Of the turns decided by the percentage row alone: the share routed to AWF. */
    percentBucketTurns: Share;
  };
  /** By the pipeline that produced the answer: a fallback counts as legacy. */
  answered: PipelineSplit & {
    /** AWF-routed turns that legacy answered. */
    fallbacks: number;
  };
  histogram: BucketBin[];
  /** True when more users were active than the histogram read. */
  histogramTruncated: boolean;
}

const pct = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 100;

const share = (counts: PipelineCounts): Share => ({
  awf: counts.awf,
  legacy: counts.legacy,
  awfPct: pct(counts.awf, counts.awf + counts.legacy),
});

const distinctShare = (counts: PipelineCounts & { total: number }) => ({
  awf: counts.awf,
  legacy: counts.legacy,
  total: counts.total,
  awfPct: pct(counts.awf, counts.total),
});

const split = (totals: PipelineTotals): PipelineSplit => ({
  turns: share(totals.turns),
  sessions: distinctShare(totals.sessions),
  users: distinctShare(totals.users),
  byReason: totals.byReason,
});

export function computeDistribution(input: {
  since: string;
  percent: number;
  totals: TurnTotals;
  activeUsers: readonly ActiveUser[];
  histogramTruncated: boolean;
}): RolloutDistribution {
  const { totals, percent } = input;
  const threshold = Math.round(percent * 100);
  const histogram: BucketBin[] = Array.from({ length: HISTOGRAM_BINS }, (_, index) => {
    const fromBucket = index * BIN_WIDTH;
    const toBucket = fromBucket + BIN_WIDTH;
    const expected = toBucket <= threshold ? 'awf' : fromBucket >= threshold ? 'legacy' : 'split';
    return { fromBucket, toBucket, users: 0, awfUsers: 0, expected };
  });
  for (const user of input.activeUsers) {
    const bin = histogram[Math.floor(bucketOf(user.userId) / BIN_WIDTH)] as BucketBin;
    bin.users += 1;
    if (user.awfTurns > 0) bin.awfUsers += 1;
  }
  return {
    since: input.since,
    percent,
    routed: {
      ...split(totals.routed),
      percentBucketTurns: share(totals.routed.byReason.percent_bucket ?? { awf: 0, legacy: 0 }),
    },
    answered: { ...split(totals.answered), fallbacks: totals.fallbacks },
    histogram,
    histogramTruncated: input.histogramTruncated,
  };
}
