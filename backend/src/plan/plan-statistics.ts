/**
 * The statistics the plan's gates judge with: confidence bounds on rates and on the p95, the minimum
 * sample derived from a threshold, and the chi-square sample-ratio-mismatch test. Pure functions.
 */
import { newcombeDifference, wilsonInterval } from '../slos/confidence-bounds.js';
import type { LatencySketch } from '../slos/latency-sketch.js';

export { newcombeDifference, wilsonInterval };

/** z for a two-sided 95 % interval (each bound one-sided 97.5 %). */
export const Z_95_TWO_SIDED = 1.959963984540054;
/** z for a one-sided 99.9 % bound: what confirms a critical breach that acts at once. */
export const Z_999_ONE_SIDED = 3.090232306167813;
/** z for a one-sided 95 % test. */
export const Z_95_ONE_SIDED = 1.6448536269514722;

/** A rate (percent) with its two-sided 95 % Wilson interval; null bounds when there is no turn. */
export interface RateBound {
  count: number;
  sample: number;
  ratePct: number | null;
  lowPct: number | null;
  highPct: number | null;
}

const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function rateBound(count: number, sample: number): RateBound {
  if (sample <= 0) return { count, sample: 0, ratePct: null, lowPct: null, highPct: null };
  const bounded = Math.min(Math.max(0, count), sample);
  const interval = wilsonInterval(bounded, sample);
  return {
    count,
    sample,
    ratePct: round((bounded / sample) * 100),
    lowPct: round(interval.low * 100),
    highPct: round(interval.high * 100),
  };
}

/** A latency quantile with distribution-free 95 % bounds from order statistics. */
export interface QuantileBound {
  sample: number;
  valueMs: number | null;
  lowMs: number | null;
  highMs: number | null;
}

/**
 * The p-quantile and its 95 % bounds: the true quantile lies between the order statistics at ranks
 * n·p ∓ z·√(n·p·(1−p)) (normal approximation of the binomial count below it), read from the sketch.
 */
export function quantileBound(sketch: LatencySketch, p: number): QuantileBound {
  const n = sketch.count;
  if (n === 0) return { sample: 0, valueMs: null, lowMs: null, highMs: null };
  const spread = Z_95_TWO_SIDED * Math.sqrt(n * p * (1 - p));
  const lowRank = Math.max(1, Math.floor(n * p - spread));
  const highRank = Math.min(n, Math.ceil(n * p + spread) + 1);
  const at = (rank: number) => sketch.quantile(Math.min(1, rank / n)) ?? null;
  // Fewer turns than the upper rank needs: the bound is the largest value seen, which proves nothing.
  return { sample: n, valueMs: at(Math.ceil(n * p)), lowMs: at(lowRank), highMs: at(highRank) };
}

/**
 * The lower one-sided 99.9 % bound of a rate, percent (null without turns): a confirmed breach, strict
 * enough that a healthy rate's random cluster (a few fallbacks in a quiet hour) does not reach it.
 */
export function confirmedLowPct(count: number, sample: number): number | null {
  if (sample <= 0) return null;
  const interval = wilsonInterval(Math.min(Math.max(0, count), sample), sample, Z_999_ONE_SIDED);
  return round(interval.low * 100);
}

/**
 * AWF turns needed to tell a rate at twice the threshold from one at the threshold with 95 %
 * confidence (one-sided α = 5 %, power 95 %): n = ((z·√(p0(1−p0)) + z·√(p1(1−p1))) / (p1 − p0))².
 */
export function sampleToTellDouble(thresholdPct: number): number {
  const p0 = thresholdPct / 100;
  const p1 = Math.min(1, 2 * p0);
  if (p0 <= 0 || p1 <= p0) return 0;
  const z = Z_95_ONE_SIDED;
  return Math.ceil(((z * Math.sqrt(p0 * (1 - p0)) + z * Math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2);
}

/** Sample ratio: observed AWF and legacy units against the expected AWF share. */
export interface SampleRatio {
  awf: number;
  legacy: number;
  expectedAwfShare: number;
  observedAwfShare: number | null;
  chiSquare: number | null;
  pValue: number | null;
}

/**
 * Pearson's chi-square goodness of fit (1 degree of freedom) of the AWF/legacy split against the
 * expected share; p = erfc(√(χ²/2)). Null while an expected count is below 5 (the test's usual floor).
 */
export function sampleRatioTest(awf: number, legacy: number, expectedAwfShare: number): SampleRatio {
  const n = awf + legacy;
  const base = {
    awf,
    legacy,
    expectedAwfShare,
    observedAwfShare: n === 0 ? null : round(awf / n, 6),
  };
  const expectedAwf = n * expectedAwfShare;
  const expectedLegacy = n - expectedAwf;
  if (expectedAwf < 5 || expectedLegacy < 5) return { ...base, chiSquare: null, pValue: null };
  const chiSquare = (awf - expectedAwf) ** 2 / expectedAwf + (legacy - expectedLegacy) ** 2 / expectedLegacy;
  return { ...base, chiSquare: round(chiSquare, 4), pValue: Math.min(1, erfc(Math.sqrt(chiSquare / 2))) };
}

/** The complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
