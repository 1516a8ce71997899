import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleRatioCheck, wilson95 } from './client/stats.js';

const near = (actual: number | null | undefined, expected: number, tolerance: number) =>
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${actual} ≉ ${expected}`,
  );

describe("the dashboard's sample-ratio check", () => {
  it('wilson95(): the 95 % Wilson interval of 50 of 100 is 40.38–59.62 %', () => {
    const interval = wilson95(50, 100);
    near(interval?.low, 40.38, 0.01);
    near(interval?.high, 59.62, 0.01);
    assert.equal(wilson95(0, 0), null);
  });

  it('passes a split at the expected share (50 of 100 at 50 %: χ² 0, p 1)', () => {
    const check = sampleRatioCheck(50, 100, 50);
    assert.equal(check.state, 'ok');
    near(check.p, 1, 1e-6);
  });

  it('flags a mismatch below p 0.001 (30 of 100 at 50 %: χ² 16, p 6.3e-5)', () => {
    const check = sampleRatioCheck(30, 100, 50);
    assert.equal(check.state, 'mismatch');
    near(check.p, 6.334e-5, 1e-6);
  });

  it('does not judge fewer than 20 users, or fewer than 5 expected on a side', () => {
    assert.equal(sampleRatioCheck(5, 10, 50).state, 'insufficient');
    assert.equal(sampleRatioCheck(1, 100, 2).state, 'insufficient');
  });
});
