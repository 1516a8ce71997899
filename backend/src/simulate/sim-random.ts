import { type SeededRandom, seededRandom } from '../shared/seeded-random.js';

/** z of the normal distribution's 95th percentile. */
const Z_P95 = 1.6448536269514722;

/** The simulator's draws over one seeded stream: the same seed gives the same run on every machine. */
export interface SimRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Successes in `n` independent trials of probability `p`: an exact binomial draw. */
  binomial(n: number, p: number): number;
  /** A log-normal draw with this median and 95th percentile (ms). */
  logNormal(shape: LogNormal): number;
}

/** A latency distribution by its median and 95th percentile. */
export interface LogNormal {
  medianMs: number;
  p95Ms: number;
}

export function simRandom(seed: number): SimRandom {
  const random = seededRandom(seed);
  return {
    next: random.next,
    binomial: (n, p) => binomial(random, n, p),
    logNormal: ({ medianMs, p95Ms }) => {
      const sigma = Math.log(p95Ms / medianMs) / Z_P95;
      return medianMs * Math.exp(sigma * random.normal());
    },
  };
}

/**
 * An exact binomial draw by waiting times (Devroye, Non-Uniform Random Variate Generation, X.4.3): the
 * gaps between successes are geometric, so the cost is O(n·min(p, 1−p)) — a few steps at the rates
 * the simulator draws (fallbacks, retries), at most n/2 for a routing share.
 */
export function binomial(random: Pick<SeededRandom, 'next'>, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a whole number >= 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be within [0, 1], got ${p}`);
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  if (n === 0 || p === 0) return 0;
  const logQ = Math.log1p(-p);
  let successes = 0;
  let position = 0;
  for (;;) {
    // 1 − next() is in (0, 1]: log never sees 0.
    position += Math.floor(Math.log(1 - random.next()) / logQ) + 1;
    if (position > n) return successes;
    successes += 1;
  }
}
