import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/seeded-random.js';
import {
  failedTurnSample,
  type MinuteAggregate,
  minuteOf,
  TurnAggregator,
  type TurnBatch,
  type TurnSample,
} from './turn-aggregates.js';

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

  describe('.recordBatch()', () => {
    /** 2 000 turns of one pipeline with random outcomes, as single samples and as one batch. */
    function randomTurns(
      pipeline: 'awf' | 'legacy',
      seed: number,
    ): { samples: TurnSample[]; batch: TurnBatch } {
      const random = seededRandom(seed);
      const samples: TurnSample[] = [];
      for (let i = 0; i < 2_000; i++) {
        const latencyMs = Math.exp(7 + random.normal() * 0.6);
        const roll = random.next();
        if (roll < 0.01) {
          samples.push(
            failedTurnSample({ decision: { pipeline, reason: 'percent_bucket' }, latencyMs, errorCode: 'X' }),
          );
        } else {
          const fallback = pipeline === 'awf' && roll < 0.05;
          samples.push({
            pipeline,
            latencyMs,
            retried: random.next() < 0.1,
            fallback,
            fallbackReason: fallback ? (roll < 0.03 ? 'invalid_output' : 'timeout') : undefined,
            newBucketedSession: random.next() < 0.1,
          });
        }
      }
      const fallbackReasons: Record<string, number> = {};
      for (const sample of samples) {
        if (sample.fallback) {
          const reason = sample.fallbackReason ?? 'unknown';
          fallbackReasons[reason] = (fallbackReasons[reason] ?? 0) + 1;
        }
      }
      const batch: TurnBatch = {
        pipeline,
        turns: samples.length,
        retries: samples.filter((sample) => sample.retried).length,
        fallbacks: samples.filter((sample) => sample.fallback).length,
        fallbackReasons,
        failures: samples.filter((sample) => sample.failed).length,
        newSessions: samples.filter((sample) => sample.newBucketedSession).length,
        latenciesMs: samples.map((sample) => sample.latencyMs),
      };
      return { samples, batch };
    }

    const comparable = (aggregate: MinuteAggregate | undefined) => ({
      ...aggregate,
      latency: aggregate?.latency.encode(),
    });

    it('counts a batch exactly as recording each of its turns, sketch included', () => {
      for (const [pipeline, seed] of [
        ['awf', 1],
        ['legacy', 2],
      ] as const) {
        const { samples, batch } = randomTurns(pipeline, seed);
        const oneByOne = new TurnAggregator();
        for (const sample of samples) oneByOne.record(sample, T0 + 10_000);
        const batched = new TurnAggregator();
        batched.recordBatch(batch, T0 + 10_000);
        const [expected] = oneByOne.drain();
        const [actual] = batched.drain();
        assert.ok((expected?.fallbacks ?? 0) > 0 || pipeline === 'legacy');
        assert.deepEqual(comparable(actual), comparable(expected));
        assert.equal(actual?.latency.quantile(0.95), expected?.latency.quantile(0.95));
      }
    });

    it('adds to what single turns already counted in the same minute', () => {
      const { samples, batch } = randomTurns('awf', 3);
      const aggregator = new TurnAggregator();
      aggregator.record(samples[0] as TurnSample, T0);
      aggregator.recordBatch(batch, T0 + 59_000);
      const [minute] = aggregator.drain();
      assert.equal(minute?.turns, 2_001);
      assert.equal(minute?.latency.count, 2_001);
    });

    it('refuses an inconsistent batch and counts nothing of it', () => {
      const base: TurnBatch = {
        pipeline: 'awf',
        turns: 2,
        retries: 0,
        fallbacks: 1,
        fallbackReasons: { timeout: 1 },
        failures: 0,
        newSessions: 1,
        latenciesMs: [100, 200],
      };
      const aggregator = new TurnAggregator();
      for (const bad of [
        { ...base, retries: 3 },
        { ...base, fallbackReasons: { timeout: 2 } },
        { ...base, latenciesMs: [100] },
        { ...base, turns: 1.5 },
        { ...base, latenciesMs: [100, -1] },
        { ...base, newSessions: 3 },
      ]) {
        assert.throws(() => aggregator.recordBatch(bad, T0), RangeError);
      }
      assert.equal(aggregator.hasPending, false);
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
