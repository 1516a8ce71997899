import type { LoadFaults } from './load-options.js';

/** Spread of the local model's simulated latency (model/local: sigma of the underlying normal). */
const LOCAL_LATENCY_SIGMA = 0.6;

/**
 * The AWF retry and fallback probabilities a turn has under the local model's injected faults. Each
 * model call draws its faults from its own seed: it times out when its log-normal latency reaches the
 * timeout, else fails with the error rate, else answers invalid output with the invalid rate. An
 * invalid first answer is retried once; the turn falls back when the first call fails, or when the
 * retry fails or is invalid too.
 */
export function expectedAwfRates(
  faults: LoadFaults,
  timeoutMs: number,
): { retry: number; fallback: number; callFailure: number } {
  const timeout =
    faults.latencyMs > 0 ? upperNormalTail(Math.log(timeoutMs / faults.latencyMs) / LOCAL_LATENCY_SIGMA) : 0;
  const failure = timeout + (1 - timeout) * faults.error;
  const invalid = (1 - failure) * faults.invalid;
  return { retry: invalid, fallback: failure + invalid * (failure + invalid), callFailure: failure };
}

/** P(Z > z) for a standard normal Z (Abramowitz–Stegun 7.1.26 via erfc; error below 1.5e-7). */
export function upperNormalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * The central 99 % range of Binomial(n, p): the largest lo and smallest hi with
 * P(X < lo) ≤ 0.5 % and P(X > hi) ≤ 0.5 %, computed exactly from the probability mass function.
 */
export function binomialRange99(n: number, p: number): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 0 };
  if (p <= 0) return { lo: 0, hi: 0 };
  if (p >= 1) return { lo: n, hi: n };
  const tail = 0.005;
  // log pmf(k) via log-gamma; summed from both ends outward.
  const logPmf = (k: number) =>
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let lo = 0;
  let below = 0;
  while (lo < n) {
    const mass = Math.exp(logPmf(lo));
    if (below + mass > tail) break;
    below += mass;
    lo += 1;
  }
  let hi = n;
  let above = 0;
  while (hi > 0) {
    const mass = Math.exp(logPmf(hi));
    if (above + mass > tail) break;
    above += mass;
    hi -= 1;
  }
  return { lo, hi };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Nearest-rank quantile of exact values (the definition the SLO sketch approximates); undefined when empty. */
export function nearestRank(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}
