import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binomialRange99, expectedAwfRates, nearestRank } from './load-stats.js';

describe('binomialRange99', () => {
  it('is the exact central 99 % range of Binomial(100, 0.5): 37-63', () => {
    assert.deepEqual(binomialRange99(100, 0.5), { lo: 37, hi: 63 });
  });

  it('is 0-0 for a rate of zero, so a single unexpected event fails the check', () => {
    assert.deepEqual(binomialRange99(5000, 0), { lo: 0, hi: 0 });
  });

  it('is 0-4 for Binomial(1000, 0.001) (P(X > 4) = 0.37 %, P(X > 3) = 1.9 %)', () => {
    assert.deepEqual(binomialRange99(1000, 0.001), { lo: 0, hi: 4 });
  });
});

describe('expectedAwfRates', () => {
  it('without faults expects no retry and no fallback', () => {
    assert.deepEqual(expectedAwfRates({ error: 0, invalid: 0, latencyMs: 0 }, 15_000), {
      retry: 0,
      fallback: 0,
      callFailure: 0,
    });
  });

  it('with error=0.05, invalid=0.1 expects 9.5 % retries and 6.378 % fallbacks', () => {
    // retry = (1 - e) i = 0.095; fallback = e + (1 - e) i (e + (1 - e) i) = 0.05 + 0.095 × 0.145
    const rates = expectedAwfRates({ error: 0.05, invalid: 0.1, latencyMs: 0 }, 15_000);
    assert.ok(Math.abs(rates.retry - 0.095) < 1e-12);
    assert.ok(Math.abs(rates.fallback - 0.063775) < 1e-12);
  });

  it('counts model calls that reach the timeout as failures (median at the timeout: half of them)', () => {
    const rates = expectedAwfRates({ error: 0, invalid: 0, latencyMs: 15_000 }, 15_000);
    assert.ok(Math.abs(rates.callFailure - 0.5) < 1e-6);
  });
});

describe('nearestRank', () => {
  it('is the smallest value with at least q of the values at or below it', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(nearestRank(values, 0.95), 95);
    assert.equal(nearestRank(values, 1), 100);
    assert.equal(nearestRank([], 0.95), undefined);
  });
});
