import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sequentialSampleRatioTest } from '../plan/plan-statistics.js';
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

  it('passes a split at the expected share (50 of 100 at 50 %)', () => {
    const check = sampleRatioCheck(50, 100, 50);
    assert.equal(check.state, 'ok');
    assert.ok((check.p as number) > 0.5, String(check.p));
  });

  it('flags a mismatch below p 0.001 (200 of 1000 at 50 %)', () => {
    const check = sampleRatioCheck(200, 1000, 50);
    assert.equal(check.state, 'mismatch');
    assert.ok((check.p as number) < 0.001, String(check.p));
  });

  it("gives the staged plan's always-valid p for the same counts, so the page and the plan agree", () => {
    for (const [awf, n, percent] of [
      [50, 100, 50],
      [30, 100, 50],
      [400, 10_000, 5],
      [131, 500, 25],
      [2_600, 10_000, 25],
    ] as const) {
      const page = sampleRatioCheck(awf, n, percent).p as number;
      const plan = sequentialSampleRatioTest([{ awf, legacy: n - awf }], percent / 100).pValue as number;
      near(page, plan, Math.max(1e-12, plan * 1e-9));
    }
  });

  it('does not judge fewer than 20 users, or fewer than 5 expected on a side', () => {
    assert.equal(sampleRatioCheck(5, 10, 50).state, 'insufficient');
    assert.equal(sampleRatioCheck(1, 100, 2).state, 'insufficient');
  });
});
