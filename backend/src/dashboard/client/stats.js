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

/** ln Γ(x) for x > 0 (Lanczos, g = 7), as plan/plan-statistics.ts computes it. */
function logGamma(x) {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < c.length; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
const logBeta = (a, b) => logGamma(a) + logGamma(b) - logGamma(a + b);
/** The plan's prior on the AWF share: Beta(100·p₀, 100·(1 − p₀)) (plan-statistics.ts SRM_PRIOR_CONCENTRATION). */
const SRM_PRIOR_CONCENTRATION = 100;

/** Below this many users the check does not judge (and not with fewer than 5 expected on a side). */
export const MIN_USERS = 20;
/** The usual SRM alarm level: a mismatch this unlikely by chance means the split is broken. */
export const SRM_P = 0.001;

/**
 * The staged plan's sample-ratio test (plan/plan-statistics.ts sequentialSampleRatioTest) at one look:
 * the Beta-binomial mixture likelihood ratio BF of `awf` users out of `n` against the expected share
 * `percent`, p = min(1, 1 / BF). It stays valid however often the page is reloaded (a χ² re-read at
 * every refresh would not); the plan also keeps the maximum over its per-minute looks. Returns { n, observedPct, ci95, expectedPct, p, state: 'ok'|'mismatch'|'insufficient' }.
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
  const p0 = percent / 100;
  const alpha = SRM_PRIOR_CONCENTRATION * p0;
  const beta = SRM_PRIOR_CONCENTRATION * (1 - p0);
  const logBf =
    logBeta(alpha + awf, beta + n - awf) - logBeta(alpha, beta) - (awf * Math.log(p0) + (n - awf) * Math.log(1 - p0));
  const p = Math.min(1, Math.exp(-logBf));
  return { n, awf, observedPct, ci95, expectedPct, p, state: p < SRM_P ? 'mismatch' : 'ok' };
}
