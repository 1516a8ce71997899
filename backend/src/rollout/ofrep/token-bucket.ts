/** What a take() answers: allowed, or how many whole seconds until the next one would be. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSec: number };

/**
 * A token bucket per key (an OFREP token's id): `ratePerSecond` refill, a burst of one second's worth.
 * In memory and per process: with N instances behind a balancer a token gets up to N × the rate.
 */
export interface TokenBuckets {
  take(key: string): TakeResult;
}

/** Beyond this many keys, buckets that refilled completely are forgotten (they hold no state). */
const MAX_KEYS = 10_000;

export function createTokenBuckets(ratePerSecond: number, now: () => number = Date.now): TokenBuckets {
  const capacity = ratePerSecond;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const forgetFull = (at: number): void => {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * ratePerSecond >= capacity) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_KEYS) forgetFull(at);
        bucket = { tokens: capacity, at };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((at - bucket.at) / 1000) * ratePerSecond);
      bucket.at = at;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
    },
  };
}
