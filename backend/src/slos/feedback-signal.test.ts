import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeMinutes } from './awf-slos.js';
import { newcombeDifference, wilsonInterval } from './confidence-bounds.js';
import { answeredTurns, feedbackSignal, judgeFeedbackGuardrail } from './feedback-signal.js';
import type { StoredMinute } from './slo-store.js';
import {
  emptyAggregate,
  type MinuteAggregate,
  type TurnAggregate,
  TurnAggregator,
} from './turn-aggregates.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const close = (actual: number, expected: number, digits = 4) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} ≈ ${expected}`);

/** An aggregate of `turns` answered turns with `down` and `up` ratings. */
function rated(turns: number, down: number, up: number): TurnAggregate {
  return {
    ...emptyAggregate(),
    turns,
    feedback: { up, down, downReasons: down ? { incoherent: down } : {} },
  };
}

const stored = (instanceId: string, aggregate: MinuteAggregate): StoredMinute => ({
  minute: aggregate.minute,
  instanceId,
  pipeline: aggregate.pipeline,
  turns: aggregate.turns,
  retries: aggregate.retries,
  fallbacks: aggregate.fallbacks,
  fallbackReasons: aggregate.fallbackReasons,
  failures: aggregate.failures,
  latencySketch: aggregate.latency.encode(),
  feedback: aggregate.feedback,
});

describe('wilsonInterval()', () => {
  it("matches Newcombe (1998)'s worked example: 81/263 → 0.2553 to 0.3662", () => {
    const { low, high } = wilsonInterval(81, 263);
    close(low, 0.2553);
    close(high, 0.3662);
  });

  it('stays inside [0, 1] at 0 and n successes, where the Wald interval collapses to a point', () => {
    assert.equal(wilsonInterval(0, 50).low, 0);
    assert.ok(wilsonInterval(0, 50).high > 0.05);
    assert.equal(wilsonInterval(50, 50).high, 1);
  });
});

describe('newcombeDifference() — the hybrid score interval (method 10)', () => {
  it("matches Newcombe (1998)'s worked example: 56/70 − 48/80 → 0.0524 to 0.3339", () => {
    const { low, high } = newcombeDifference(56, 70, 48, 80);
    close(low, 0.0524);
    close(high, 0.3339);
  });

  it('includes 0 for equal proportions and is symmetric in the order of the two', () => {
    const ab = newcombeDifference(50, 1000, 50, 1000);
    assert.ok(ab.low < 0 && ab.high > 0);
    close(ab.low, -ab.high, 9);
  });
});

describe('answeredTurns()', () => {
  it('counts an AWF fallback as answered by legacy, and a turn that failed outright as answered by none', () => {
    const awf = { ...emptyAggregate(), turns: 100, fallbacks: 10, failures: 2 };
    const legacy = { ...emptyAggregate(), turns: 50, failures: 1 };
    assert.deepEqual(answeredTurns(awf, legacy), { awf: 90, legacy: 49 + 8 });
  });
});

describe('feedbackSignal()', () => {
  it('gives per pipeline the downs per 1000 answered turns, the down-rate with its interval and the down share of ratings', () => {
    const signal = feedbackSignal(rated(1000, 80, 120), rated(1000, 20, 180), undefined);
    assert.equal(signal.awf.answeredTurns, 1000);
    assert.equal(signal.awf.downPer1000Turns, 80);
    assert.equal(signal.awf.downRatePct, 8);
    assert.equal(signal.awf.downShareOfRatingsPct, 40);
    assert.equal(signal.legacy.downRatePct, 2);
    assert.equal(signal.difference.deltaPp, 6);
    assert.ok((signal.difference.ci95Pp?.low ?? 0) > 0, 'AWF is worse with 95 % confidence');
    assert.equal(signal.difference.method, 'newcombe-wilson');
    assert.equal(signal.guardrailPp, null);
  });

  it('has no difference until both pipelines answered a turn', () => {
    const signal = feedbackSignal(rated(100, 5, 0), emptyAggregate(), 1);
    assert.equal(signal.legacy.downRatePct, null);
    assert.equal(signal.difference.deltaPp, null);
    assert.equal(signal.difference.ci95Pp, null);
  });
});

describe('judgeFeedbackGuardrail()', () => {
  const signal = feedbackSignal(rated(1000, 80, 0), rated(1000, 20, 0), 2);

  it('is violated when the lower bound of AWF − legacy exceeds the threshold (pp)', () => {
    const judged = judgeFeedbackGuardrail(signal, 2, 100);
    assert.equal(judged.state, 'warning');
    assert.ok((judged.value ?? 0) > 2);
    assert.equal(judged.sample, 1000);
  });

  it('holds when AWF is worse, but not by more than the threshold with 95 % confidence', () => {
    assert.equal(judgeFeedbackGuardrail(signal, 5, 100).state, 'ok');
  });

  it('does not judge while either pipeline answered fewer than the minimum sample', () => {
    const few = feedbackSignal(rated(1000, 80, 0), rated(50, 0, 0), 2);
    const judged = judgeFeedbackGuardrail(few, 2, 100);
    assert.equal(judged.state, 'insufficient_data');
    assert.equal(judged.sample, 50);
  });
});

describe('a replaced rating in the aggregates', () => {
  it('moves the count in the minute it was replaced, so a window holding both minutes counts the turn once', () => {
    const aggregator = new TurnAggregator();
    aggregator.record({ pipeline: 'awf', latencyMs: 100, retried: false, fallback: false }, T0);
    aggregator.recordFeedback({ pipeline: 'awf', up: 0, down: 1, downReasons: { incoherent: 1 } }, T0);
    // Three minutes later the player changes their mind.
    aggregator.recordFeedback(
      { pipeline: 'awf', up: 1, down: -1, downReasons: { incoherent: -1 } },
      T0 + 3 * 60_000,
    );
    const minutes = aggregator.drain();
    const first = minutes[0]?.minute ?? 0;
    assert.deepEqual(
      minutes.map((minute) => [minute.minute - first, minute.feedback.up, minute.feedback.down]),
      [
        [0, 0, 1],
        [3, 1, -1],
      ],
    );
    const { awf } = mergeMinutes(minutes.map((minute) => stored('a', minute)));
    assert.deepEqual(awf.feedback, { up: 1, down: 0, downReasons: { incoherent: 0 } });
    const signal = feedbackSignal(awf, emptyAggregate(), undefined);
    assert.equal(signal.awf.ratings, 1);
    assert.deepEqual(signal.awf.downReasons, {});
  });

  it('merges instances exactly: two instances rating in the same minute add up', () => {
    const a = new TurnAggregator();
    const b = new TurnAggregator();
    a.recordFeedback({ pipeline: 'legacy', up: 0, down: 1, downReasons: { slow: 1 } }, T0);
    b.recordFeedback({ pipeline: 'legacy', up: 0, down: 1, downReasons: { slow: 1 } }, T0);
    b.recordFeedback({ pipeline: 'legacy', up: 1, down: 0, downReasons: {} }, T0);
    const { legacy, instances } = mergeMinutes([
      ...a.drain().map((minute) => stored('a', minute)),
      ...b.drain().map((minute) => stored('b', minute)),
    ]);
    assert.deepEqual(instances, ['a', 'b']);
    assert.deepEqual(legacy.feedback, { up: 1, down: 2, downReasons: { slow: 2 } });
  });
});
