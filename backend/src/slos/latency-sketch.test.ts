import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/seeded-random.js';
import { LatencySketch } from './latency-sketch.js';

/** The spec's bound (docs/slos.md: ±0.5 %), written out: read from the implementation it would test nothing. */
const SPEC_RELATIVE_ERROR = 0.005;

/** Nearest-rank quantile of the exact values: the smallest v with at least q of them ≤ v. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

function sketchOf(values: readonly number[]): LatencySketch {
  const sketch = new LatencySketch();
  for (const value of values) sketch.add(value);
  return sketch;
}

function assertWithinAccuracy(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined, 'expected a value');
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= SPEC_RELATIVE_ERROR + 1e-12, `${actual} is ${error} away from ${expected}`);
}

/** 98 % log-normal around 1200 ms, 2 % uniform 5–20 s: the heavy-tailed latencies. */
function heavyTailed(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    random.next() < 0.98 ? 1200 * Math.exp(0.5 * random.normal()) : 5000 + 15000 * random.next(),
  );
}

describe('LatencySketch', () => {
  describe('.quantile()', () => {
    it('reads p95 of 1..100 ms as 95 ms (nearest rank), within the ±0.5 % bound', () => {
      const sketch = sketchOf(Array.from({ length: 100 }, (_, i) => i + 1));
      assertWithinAccuracy(sketch.quantile(0.95), 95);
      assertWithinAccuracy(sketch.quantile(0.5), 50);
    });

    it('reads p95 of 19 fast turns and 1 slow one as the fast value, and of 18 + 2 as the slow one', () => {
      const oneSlow = sketchOf([...Array(19).fill(1000), 9000]);
      assertWithinAccuracy(oneSlow.quantile(0.95), 1000);
      const twoSlow = sketchOf([...Array(18).fill(1000), 9000, 9000]);
      assertWithinAccuracy(twoSlow.quantile(0.95), 9000);
    });

    it('gives min and max exactly at q = 0 and q = 1', () => {
      const sketch = sketchOf([3.7, 812.25, 15_003.9]);
      assert.equal(sketch.quantile(0), 3.7);
      assert.equal(sketch.quantile(1), 15_003.9);
      assert.equal(sketch.min, 3.7);
      assert.equal(sketch.max, 15_003.9);
    });

    it('stays within the relative bound at every quantile of a heavy-tailed sample', () => {
      const values = heavyTailed(20_000, 7);
      const sketch = sketchOf(values);
      for (const q of [0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) {
        assertWithinAccuracy(sketch.quantile(q), exactQuantile(values, q));
      }
    });

    it('counts 0 ms turns in the zero bucket and reads them back as 0', () => {
      const sketch = sketchOf([0, 0, 0, 10]);
      assert.equal(sketch.quantile(0.5), 0);
      assert.equal(sketch.count, 4);
    });

    it('is undefined for an empty sketch', () => {
      assert.equal(new LatencySketch().quantile(0.95), undefined);
      assert.equal(new LatencySketch().min, undefined);
    });
  });

  describe('.add()', () => {
    it('refuses negative and non-finite latencies', () => {
      const sketch = new LatencySketch();
      assert.throws(() => sketch.add(-1), RangeError);
      assert.throws(() => sketch.add(Number.NaN), RangeError);
      assert.throws(() => sketch.add(Number.POSITIVE_INFINITY), RangeError);
      assert.equal(sketch.count, 0);
    });
  });

  describe('.merge()', () => {
    it('when two instances each saw half the turns: answers exactly as one process that saw all', () => {
      const values = heavyTailed(10_000, 11);
      const one = sketchOf(values);
      const a = sketchOf(values.filter((_, i) => i % 2 === 0));
      const b = sketchOf(values.filter((_, i) => i % 2 === 1));
      a.merge(b);
      assert.equal(a.count, one.count);
      assert.equal(a.min, one.min);
      assert.equal(a.max, one.max);
      for (const q of [0.5, 0.9, 0.95, 0.99]) assert.equal(a.quantile(q), one.quantile(q));
    });

    it('when instances see different latency ranges: the merge stays within the bound of the combined p95', () => {
      const fast = Array.from({ length: 900 }, (_, i) => 100 + i);
      const slow = Array.from({ length: 100 }, (_, i) => 10_000 + 10 * i);
      const merged = sketchOf(fast);
      merged.merge(sketchOf(slow));
      assertWithinAccuracy(merged.quantile(0.95), exactQuantile([...fast, ...slow], 0.95));
    });
  });

  describe('.encode() / decode()', () => {
    it('round-trips counts, extremes and quantiles', () => {
      const sketch = sketchOf(heavyTailed(5_000, 3));
      const copy = LatencySketch.decode(sketch.encode());
      assert.equal(copy.count, sketch.count);
      assert.equal(copy.min, sketch.min);
      assert.equal(copy.max, sketch.max);
      assert.equal(copy.sum, sketch.sum);
      for (const q of [0.5, 0.95, 0.99]) assert.equal(copy.quantile(q), sketch.quantile(q));
      assert.equal(copy.encode(), sketch.encode());
    });

    it('is compact: a minute of 5 000 heavy-tailed turns encodes in well under 2 KB', () => {
      const encoded = sketchOf(heavyTailed(5_000, 5)).encode();
      assert.ok(encoded.length < 2_048, `encoded length ${encoded.length}`);
    });

    it('round-trips an empty sketch', () => {
      const copy = LatencySketch.decode(new LatencySketch().encode());
      assert.equal(copy.count, 0);
      assert.equal(copy.quantile(0.95), undefined);
    });

    it('rejects a truncated or foreign encoding', () => {
      const encoded = Buffer.from(sketchOf([1, 2, 3]).encode(), 'base64');
      assert.throws(() => LatencySketch.decode(encoded.subarray(0, 10).toString('base64')), /truncated/);
      assert.throws(() => LatencySketch.decode(Buffer.from([9]).toString('base64')), /version 9/);
    });
  });
});
