/**
 * Confidence bounds shared by the SLO alerts, the feedback signal and the staged plan (plan/ imports
 * these; they import nothing of the plan): the Wilson score interval of a proportion, Newcombe's
 * interval of a difference, z for a one-sided confidence, and the lower bounds the SLO alerts judge.
 * Pure functions.
 */
import type { LatencySketch } from './latency-sketch.js';

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

/** An interval in the unit of the value it bounds. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for x successes in n trials, as proportions (0–1). Unlike the Wald interval it
 * stays inside [0, 1] and keeps its coverage at small rates (a few % of downs) and small n.
 */
export function wilsonInterval(x: number, n: number, z: number = Z_95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/**
 * Newcombe's (1998) hybrid score interval for p1 − p2 from two independent proportions, as proportions:
 * L = d − √((p1 − l1)² + (u2 − p2)²), U = d + √((u1 − p1)² + (p2 − l2)²) with (l, u) the Wilson intervals.
 */
export function newcombeDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z: number = Z_95,
): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}

/**
 * z of a one-sided bound at `confidencePct` (50 → 0, 95 → 1.645, 99.9 → 3.090): the standard normal
 * quantile by Acklam's rational approximation (relative error below 1.2e-9).
 */
export function zOneSided(confidencePct: number): number {
  const p = confidencePct / 100;
  if (!(p >= 0.5 && p < 1))
    throw new RangeError(`a one-sided confidence must be within [50, 100), got ${confidencePct}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p <= 0.97575) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return -(
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
    ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
  );
}

/**
 * The one-sided lower Wilson bound of count/sample, percent; null without a sample. With z = 0 it is
 * the point rate.
 */
export function rateLowerBoundPct(count: number, sample: number, z: number): number | null {
  if (sample <= 0) return null;
  return wilsonInterval(Math.min(Math.max(0, count), sample), sample, z).low * 100;
}

/**
 * A one-sided lower bound of the p-quantile (distribution-free): the number of turns at or below the
 * true quantile is Binomial(n, p), so the order statistic at rank r = ⌊n·p − z·√(n·p·(1 − p))⌋ lies at
 * or below it with the bound's confidence (normal approximation of the binomial). Read from the sketch
 * (±0.5 % relative). Rank below 1: the sample bounds nothing, 0. Null without a sample. z = 0 (50 %)
 * reads the point value, the nearest rank ⌈n·p⌉.
 */
export function quantileLowerBound(sketch: LatencySketch, p: number, z: number): number | null {
  const n = sketch.count;
  if (n === 0) return null;
  // At 50 % the bound is the point value: the nearest rank.
  if (z === 0) return sketch.quantile(p) ?? null;
  const rank = Math.floor(n * p - z * Math.sqrt(n * p * (1 - p)));
  if (rank < 1) return 0;
  // (rank − ½)/n: the sketch's nearest rank ⌈q·n⌉ lands on `rank` whatever the float rounding.
  return sketch.quantile(Math.min(1, (rank - 0.5) / n)) ?? null;
}
