// The Wilson score interval (95 % by default) for passes out of samples: unlike the normal
// approximation it stays inside [0, 1] and is not zero-width at 0 or 1 passes, which matters at 5
// samples; no samples say nothing: [0, 1]. One implementation, shared with the SLOs and the plan.
export { type Interval, wilsonInterval } from '../slos/confidence-bounds.js';

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
