import { BUCKETS, bucketOf } from '../turns/router.js';
import type { ActiveUser, PipelineCounts, TurnTotals } from './turns-read-model.js';

/** Histogram bins: 20 of 500 buckets, i.e. 5 % of players each. */
export const HISTOGRAM_BINS = 20;
const BIN_WIDTH = BUCKETS / HISTOGRAM_BINS;

export interface BucketBin {
  /** Buckets [fromBucket, toBucket). */
  fromBucket: number;
  toBucket: number;
  /** Active users whose bucket falls in the bin. */
  users: number;
  /** Of those, users with at least one AWF turn in the window. */
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

/** The rollout's real distribution from stored turns, next to what the percentage asks for. */
export interface RolloutDistribution {
  since: string;
  percent: number;
  turns: Share;
  /** Sessions (users) with at least one turn on each pipeline; mixed ones count on both sides. */
  sessions: Share & { total: number };
  users: Share & { total: number };
  /** Of the turns decided by the percentage row alone: the share that went to AWF. */
  percentBucketTurns: Share;
  byReason: Record<string, PipelineCounts>;
  histogram: BucketBin[];
  /** True when more users were active than the histogram read. */
  histogramTruncated: boolean;
}

const pct = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 100;

export function computeDistribution(input: {
  since: string;
  percent: number;
  totals: TurnTotals;
  activeUsers: readonly ActiveUser[];
  histogramTruncated: boolean;
}): RolloutDistribution {
  const { totals, percent } = input;
  const share = (counts: PipelineCounts): Share => ({
    ...counts,
    awfPct: pct(counts.awf, counts.awf + counts.legacy),
  });
  const distinctShare = (counts: PipelineCounts & { total: number }) => ({
    awf: counts.awf,
    legacy: counts.legacy,
    total: counts.total,
    awfPct: pct(counts.awf, counts.total),
  });
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
    turns: share(totals.turns),
    sessions: distinctShare(totals.sessions),
    users: distinctShare(totals.users),
    percentBucketTurns: share(totals.byReason.percent_bucket ?? { awf: 0, legacy: 0 }),
    byReason: totals.byReason,
    histogram,
    histogramTruncated: input.histogramTruncated,
  };
}
