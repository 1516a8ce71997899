import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meetsPassRate, percentile, wilsonInterval } from './sampling-stats.js';

/** Within 0.0001 of the published value. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-4, `${actual} is not ${expected}`);
}

describe('wilsonInterval()', () => {
  it('gives the textbook 95 % Wilson interval (4 of 5: 0.3755 – 0.9638; 8 of 10: 0.4902 – 0.9433)', () => {
    const fourOfFive = wilsonInterval(4, 5);
    near(fourOfFive.low, 0.3755);
    near(fourOfFive.high, 0.9638);
    const eightOfTen = wilsonInterval(8, 10);
    near(eightOfTen.low, 0.4902);
    near(eightOfTen.high, 0.9433);
  });

  it('is not zero-width at 0 or all passes (0 of 5: 0 – 0.4345; 5 of 5: 0.5655 – 1)', () => {
    const none = wilsonInterval(0, 5);
    assert.equal(none.low, 0);
    near(none.high, 0.4345);
    const all = wilsonInterval(5, 5);
    near(all.low, 0.5655);
    assert.equal(all.high, 1);
  });

  it('says nothing (0 – 1) without samples', () => {
    assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  });
});

describe('meetsPassRate()', () => {
  it('passes a rate equal to the threshold (9 of 10 meets 0.9; 7 of 10 meets 0.7) and fails one below', () => {
    assert.equal(meetsPassRate(9, 10, 0.9), true);
    assert.equal(meetsPassRate(7, 10, 0.7), true);
    assert.equal(meetsPassRate(8, 10, 0.9), false);
    assert.equal(meetsPassRate(4, 5, 0.9), false);
    assert.equal(meetsPassRate(5, 5, 1), true);
  });

  it('never passes without samples', () => {
    assert.equal(meetsPassRate(0, 0, 0.5), false);
  });
});

describe('percentile()', () => {
  it('takes the nearest rank: p50 and p95 of 1..20 are 10 and 19', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    assert.equal(percentile(values, 0.5), 10);
    assert.equal(percentile(values, 0.95), 19);
  });

  it('is undefined for no values', () => {
    assert.equal(percentile([], 0.95), undefined);
  });
});
