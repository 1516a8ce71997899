/** z for a two-sided 95 % interval. */
const Z_95 = 1.959963984540054;

/** A proportion's confidence interval, both ends in [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * The Wilson score interval (95 %) for `passes` out of `samples`: unlike the normal approximation it
 * stays inside [0, 1] and is not zero-width at 0 or 1 passes, which matters at 5 samples. No samples
 * say nothing: [0, 1].
 */
export function wilsonInterval(passes: number, samples: number, z: number = Z_95): Interval {
  if (samples <= 0) return { low: 0, high: 1 };
  const p = passes / samples;
  const z2 = z * z;
  const denominator = 1 + z2 / samples;
  const centre = (p + z2 / (2 * samples)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / samples + z2 / (4 * samples * samples))) / denominator;
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}

/** The q-quantile (0–1) of `values` by the nearest-rank method; undefined for no values. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/**
 * Whether a pass rate meets its threshold: `passes / samples >= threshold`, decided in integers so
 * 9 of 10 meets 0.9 exactly (0.9 * 10 is 9.000000000000002 in floating point).
 */
export function meetsPassRate(passes: number, samples: number, threshold: number): boolean {
  if (samples <= 0) return false;
  const needed = Math.ceil(Number((threshold * samples).toFixed(9)));
  return passes >= needed;
}
