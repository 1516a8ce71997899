import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantileLowerBound, rateLowerBoundPct, zOneSided } from './confidence-bounds.js';
import { LatencySketch } from './latency-sketch.js';

describe('zOneSided()', () => {
  it('gives the standard normal quantiles of the tables: 50 → 0, 95 → 1.6449, 97.5 → 1.9600, 99.9 → 3.0902', () => {
    const near = (actual: number, expected: number) =>
      assert.ok(Math.abs(actual - expected) < 1e-4, `${actual} vs ${expected}`);
    near(zOneSided(50), 0);
    near(zOneSided(95), 1.6449);
    near(zOneSided(97.5), 1.96);
    near(zOneSided(99.9), 3.0902);
    near(zOneSided(99.99), 3.719);
  });

  it('refuses a confidence outside [50, 100)', () => {
    assert.throws(() => zOneSided(40), RangeError);
    assert.throws(() => zOneSided(100), RangeError);
  });
});

describe('rateLowerBoundPct()', () => {
  it('is the point rate at z = 0 and nothing without a sample', () => {
    assert.ok(Math.abs((rateLowerBoundPct(4, 300, 0) ?? 0) - 4 / 3) < 1e-9);
    assert.equal(rateLowerBoundPct(0, 0, 1.64), null);
  });

  it('is 0 at no events, and below the point rate otherwise', () => {
    assert.equal(rateLowerBoundPct(0, 300, 1.64), 0);
    assert.ok((rateLowerBoundPct(30, 300, 1.64) ?? 10) < 10);
  });
});

describe('quantileLowerBound()', () => {
  const sketchOf = (values: number[]) => {
    const sketch = new LatencySketch();
    for (const value of values) sketch.add(value);
    return sketch;
  };

  it('reads the order statistic ⌊n·p − z·√(n·p·(1 − p))⌋: rank 91 of 100 at p 0.95 and z 1.645', () => {
    // Values 1..100 ms: rank r holds r ms; 95 − 1.645 · √4.75 = 91.4, so rank 91.
    const bound = quantileLowerBound(sketchOf(Array.from({ length: 100 }, (_, i) => i + 1)), 0.95, 1.645);
    assert.ok(bound !== null && Math.abs(bound - 91) / 91 <= 0.005, String(bound));
  });

  it('bounds nothing (0) when the sample is too small for the rank, and is null without one', () => {
    assert.equal(quantileLowerBound(sketchOf([5_000, 9_000]), 0.95, 3.09), 0);
    assert.equal(quantileLowerBound(new LatencySketch(), 0.95, 1.645), null);
  });
});
