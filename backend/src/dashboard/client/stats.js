// The sample-ratio check: are the users the rollout sends to AWF the share the percentage asks for?

/** Wilson score interval (95 %) of `successes` out of `n`, in percent. */
export function wilson95(successes, n) {
  if (n === 0) return null;
  const z = 1.959964;
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half) * 100, high: Math.min(1, centre + half) * 100 };
}

/** erfc(x), Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): the χ²(1) tail is erfc(√(χ²/2)). */
function erfc(x) {
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-x * x);
}

/** Below this many users the check does not judge (the χ² approximation needs ≥ 5 expected per side). */
export const MIN_USERS = 20;
/** The usual SRM alarm level: a mismatch this unlikely by chance means the split is broken. */
export const SRM_P = 0.001;

/**
 * χ² goodness of fit (1 df) of `awf` users out of `n` against the expected share `percent`.
 * Returns { n, observedPct, ci95, expectedPct, p, state: 'ok'|'mismatch'|'insufficient' }.
 */
export function sampleRatioCheck(awf, n, percent) {
  const expectedPct = percent;
  const ci95 = wilson95(awf, n);
  const observedPct = n > 0 ? (awf / n) * 100 : null;
  const expectedAwf = (n * percent) / 100;
  const expectedLegacy = n - expectedAwf;
  if (n < MIN_USERS || expectedAwf < 5 || expectedLegacy < 5) {
    return { n, awf, observedPct, ci95, expectedPct, p: null, state: 'insufficient' };
  }
  const chi2 = (awf - expectedAwf) ** 2 / expectedAwf + (n - awf - expectedLegacy) ** 2 / expectedLegacy;
  const p = erfc(Math.sqrt(chi2 / 2));
  return { n, awf, observedPct, ci95, expectedPct, p, state: p < SRM_P ? 'mismatch' : 'ok' };
}
