/**
 * The statistics the plan's gates judge with: confidence bounds on rates and on the p95, the minimum
 * sample derived from a threshold, and the sequential sample-ratio-mismatch test. Pure functions.
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

/** A prior on the AWF share centred on the target: Beta(k·p₀, k·(1 − p₀)); k = 100 spreads it ≈ ±2 pp at 5 %. */
export const SRM_PRIOR_CONCENTRATION = 100;

/** New units (sessions) one look added: the AWF and the legacy count. */
export interface SampleRatioLook {
  awf: number;
  legacy: number;
}

/** Sample ratio: observed AWF and legacy units against the expected AWF share, judged sequentially. */
export interface SampleRatio {
  awf: number;
  legacy: number;
  expectedAwfShare: number;
  observedAwfShare: number | null;
  /** Looks the test took (one per minute with new units). */
  looks: number;
  /** The mixture likelihood ratio (Bayes factor) against the target at the last look, and its maximum over every look. */
  bayesFactor: number | null;
  maxBayesFactor: number | null;
  prior: { alpha: number; beta: number } | null;
  /** The always-valid p-value: min(1, 1 / max BF); null without a unit or without a split to test. */
  pValue: number | null;
}

/**
 * The sequential sample-ratio-mismatch test (a Beta-binomial mixture likelihood ratio): at each look,
 * BF = B(α + a, β + l) / B(α, β) / (p₀^a · (1 − p₀)^l) for a AWF and l legacy units so far. Under the
 * target share BF is a nonnegative martingale, so by Ville's inequality P(BF ever ≥ 1/α) ≤ α however
 * often one looks: p = min(1, 1 / max BF) is valid at every look, which a chi-square re-tested every
 * minute is not (its false-alarm rate grows with the number of looks). `looks` are the increments in
 * order (the per-minute counts of the stage); the p-value never rises as looks are added.
 */
export function sequentialSampleRatioTest(
  looks: readonly SampleRatioLook[],
  expectedAwfShare: number,
  concentration = SRM_PRIOR_CONCENTRATION,
): SampleRatio {
  let awf = 0;
  let legacy = 0;
  let taken = 0;
  let logBf: number | null = null;
  let maxLogBf: number | null = null;
  const p0 = expectedAwfShare;
  const testable = p0 > 0 && p0 < 1;
  const alpha = concentration * p0;
  const beta = concentration * (1 - p0);
  const priorLogBeta = testable ? logBeta(alpha, beta) : 0;
  const logP0 = Math.log(p0);
  const logQ0 = Math.log(1 - p0);
  for (const look of looks) {
    if (look.awf + look.legacy <= 0) continue;
    awf += look.awf;
    legacy += look.legacy;
    taken += 1;
    if (!testable) continue;
    logBf = logBeta(alpha + awf, beta + legacy) - priorLogBeta - (awf * logP0 + legacy * logQ0);
    maxLogBf = maxLogBf === null ? logBf : Math.max(maxLogBf, logBf);
  }
  const n = awf + legacy;
  return {
    awf,
    legacy,
    expectedAwfShare,
    observedAwfShare: n === 0 ? null : round(awf / n, 6),
    looks: taken,
    bayesFactor: logBf === null ? null : roundSignificant(Math.exp(logBf)),
    maxBayesFactor: maxLogBf === null ? null : roundSignificant(Math.exp(maxLogBf)),
    prior: testable ? { alpha: round(alpha, 6), beta: round(beta, 6) } : null,
    pValue: maxLogBf === null ? null : Math.min(1, Math.exp(-maxLogBf)),
  };
}

const roundSignificant = (value: number): number =>
  Number.isFinite(value) ? Number(value.toPrecision(6)) : value;

/** ln B(a, b). */
function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: relative error ≈ 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
