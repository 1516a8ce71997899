import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minuteOf, TurnAggregator } from './turn-aggregates.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const awf = { pipeline: 'awf' as const, latencyMs: 100, retried: false, fallback: false };

describe('TurnAggregator', () => {
  describe('.record()', () => {
    it('keeps one aggregate per minute and pipeline', () => {
      const aggregator = new TurnAggregator();
      aggregator.record(awf, T0 + 1_000);
      aggregator.record(awf, T0 + 59_999);
      aggregator.record({ ...awf, pipeline: 'legacy' }, T0 + 30_000);
      aggregator.record(awf, T0 + 60_000);
      const drained = aggregator.drain();
      assert.deepEqual(
        drained.map((aggregate) => [aggregate.minute - minuteOf(T0), aggregate.pipeline, aggregate.turns]),
        [
          [0, 'awf', 2],
          [0, 'legacy', 1],
          [1, 'awf', 1],
        ],
      );
    });

    it('counts retries and fallbacks by reason (a fallback without a reason is "unknown")', () => {
      const aggregator = new TurnAggregator();
      aggregator.record({ ...awf, retried: true, fallback: true, fallbackReason: 'invalid_output' }, T0);
      aggregator.record({ ...awf, fallback: true, fallbackReason: 'timeout' }, T0);
      aggregator.record({ ...awf, fallback: true }, T0);
      const [minute] = aggregator.drain();
      assert.equal(minute?.retries, 1);
      assert.equal(minute?.fallbacks, 3);
      assert.deepEqual(minute?.fallbackReasons, { invalid_output: 1, timeout: 1, unknown: 1 });
    });

    it('counts turns that failed outright, apart from fallbacks', () => {
      const aggregator = new TurnAggregator();
      aggregator.record({ ...awf, fallback: true, fallbackReason: 'legacy_unavailable', failed: true }, T0);
      aggregator.record(awf, T0);
      aggregator.record({ ...awf, pipeline: 'legacy', failed: true }, T0);
      const [awfMinute, legacyMinute] = aggregator.drain();
      assert.deepEqual([awfMinute?.turns, awfMinute?.failures, awfMinute?.fallbacks], [2, 1, 1]);
      assert.deepEqual([legacyMinute?.turns, legacyMinute?.failures, legacyMinute?.fallbacks], [1, 1, 0]);
    });

    it('sums tokens in/out and bundle bytes per minute and pipeline (absent counts zero)', () => {
      const aggregator = new TurnAggregator();
      aggregator.record({ ...awf, tokens: { in: 900, out: 120 }, bundleBytes: 5000 }, T0);
      aggregator.record({ ...awf, tokens: { in: 1100, out: 80 }, bundleBytes: 7000 }, T0);
      aggregator.record(awf, T0);
      aggregator.record({ ...awf, pipeline: 'legacy', tokens: { in: 300, out: 60 } }, T0);
      const [awfMinute, legacyMinute] = aggregator.drain();
      assert.deepEqual(
        [awfMinute?.tokensIn, awfMinute?.tokensOut, awfMinute?.bundleBytes],
        [2000, 200, 12000],
      );
      assert.deepEqual(
        [legacyMinute?.tokensIn, legacyMinute?.tokensOut, legacyMinute?.bundleBytes],
        [300, 60, 0],
      );
    });

    it('goes back to an earlier minute still pending when a late turn arrives', () => {
      const aggregator = new TurnAggregator();
      aggregator.record(awf, T0);
      aggregator.record(awf, T0 + 60_000);
      aggregator.record(awf, T0 + 5_000);
      assert.deepEqual(
        aggregator.drain().map((aggregate) => aggregate.turns),
        [2, 1],
      );
    });
  });

  describe('.drain() and .restore()', () => {
    it('empties the aggregator, and a failed flush puts the minutes back merged with newer turns', () => {
      const aggregator = new TurnAggregator();
      aggregator.record(awf, T0);
      const drained = aggregator.drain();
      assert.equal(aggregator.hasPending, false);
      aggregator.record(awf, T0);
      aggregator.restore(drained);
      const [minute] = aggregator.drain();
      assert.equal(minute?.turns, 2);
      assert.equal(minute?.latency.count, 2);
    });
  });
});
