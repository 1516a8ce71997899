import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/seeded-random.js';
import { binomial, simRandom } from './sim-random.js';

/** The mean of `draws` binomial(n, p) draws, and the bound its mean must lie within (z = 4.5 standard errors). */
function meanOfDraws(n: number, p: number, draws: number, seed: number) {
  const random = seededRandom(seed);
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < draws; i++) {
    const x = binomial(random, n, p);
    assert.ok(x >= 0 && x <= n && Number.isInteger(x));
    sum += x;
    sumOfSquares += x * x;
  }
  const mean = sum / draws;
  const variance = sumOfSquares / draws - mean * mean;
  const standardError = Math.sqrt((n * p * (1 - p)) / draws);
  return { mean, variance, bound: 4.5 * standardError };
}

describe('binomial()', () => {
  it('has mean n·p and variance n·p·(1−p) at small, middle and large p (20 000 draws each)', () => {
    for (const [n, p] of [
      [1200, 0.003],
      [1200, 0.02],
      [60, 0.2],
      [1200, 0.5],
      [1200, 0.95],
      [1, 0.3],
    ] as const) {
      const { mean, variance, bound } = meanOfDraws(n, p, 20_000, n + Math.round(p * 1000));
      assert.ok(Math.abs(mean - n * p) <= bound, `n=${n} p=${p}: mean ${mean} vs ${n * p} ± ${bound}`);
      // The sample variance of 20 000 draws is within 10 % of the true one (its relative error is ~1 %).
      const expected = n * p * (1 - p);
      assert.ok(Math.abs(variance - expected) <= 0.1 * expected, `n=${n} p=${p}: variance ${variance}`);
    }
  });

  it('gives 0 and n at the edges, and refuses what is not a count or a probability', () => {
    const random = seededRandom(1);
    assert.equal(binomial(random, 0, 0.5), 0);
    assert.equal(binomial(random, 500, 0), 0);
    assert.equal(binomial(random, 500, 1), 500);
    assert.throws(() => binomial(random, 1.5, 0.1), RangeError);
    assert.throws(() => binomial(random, 10, 1.1), RangeError);
    assert.throws(() => binomial(random, 10, Number.NaN), RangeError);
  });
});

describe('simRandom().logNormal()', () => {
  it('has the asked median and 95th percentile (50 000 draws, within 3 %)', () => {
    const random = simRandom(7);
    const draws = Array.from({ length: 50_000 }, () => random.logNormal({ medianMs: 1500, p95Ms: 3000 }));
    draws.sort((a, b) => a - b);
    const median = draws[25_000] as number;
    const p95 = draws[47_500] as number;
    assert.ok(Math.abs(median / 1500 - 1) < 0.03, `median ${median}`);
    assert.ok(Math.abs(p95 / 3000 - 1) < 0.03, `p95 ${p95}`);
  });

  it('repeats its draws for the same seed', () => {
    const a = simRandom(42);
    const b = simRandom(42);
    for (let i = 0; i < 100; i++) assert.equal(a.binomial(1000, 0.01), b.binomial(1000, 0.01));
  });
});
