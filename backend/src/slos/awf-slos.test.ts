import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertEvent, alertLogLine } from './alert-delivery.js';
import {
  judgeSlos,
  mergeMinutes,
  resolveAtOrBelow,
  SLO_DEFINITIONS,
  type SloName,
  type SloResult,
  sloDefinition,
  summarizePipeline,
} from './awf-slos.js';
import type { SloAlert, StoredMinute } from './slo-store.js';
import { emptyAggregate, type TurnAggregate, TurnAggregator, type TurnSample } from './turn-aggregates.js';

const THRESHOLDS = { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 };

/** `fast` turns at 1000 ms and `slow` at 9000 ms, the first `retried` retried, the first `fellBack` fallen back. */
function awfTurns(opts: { fast: number; slow: number; retried: number; fellBack: number }): TurnAggregate {
  const aggregator = new TurnAggregator();
  const total = opts.fast + opts.slow;
  for (let i = 0; i < total; i++) {
    aggregator.record(
      {
        pipeline: 'awf',
        latencyMs: i < opts.fast ? 1000 : 9000,
        retried: i < opts.retried,
        fallback: i < opts.fellBack,
        fallbackReason: i < opts.fellBack ? 'invalid_output' : undefined,
      },
      Date.UTC(2026, 0, 1, 12, 0, 30),
    );
  }
  const [minute] = aggregator.drain();
  assert.ok(minute);
  return minute;
}

const bySlo = (results: SloResult[]) => Object.fromEntries(results.map((result) => [result.slo, result]));

function assertNear(actual: number | null, expected: number): void {
  assert.ok(actual !== null);
  // The spec's ±0.5 % as a literal, so a looser sketch fails here.
  assert.ok(Math.abs(actual - expected) / expected <= 0.005, `${actual} vs ${expected}`);
}

describe('judgeSlos()', () => {
  it('computes the rates exactly: 6 retries and 12 fallbacks in 200 AWF turns are 3 % and 6 %', () => {
    const slos = bySlo(
      judgeSlos(awfTurns({ fast: 200, slow: 0, retried: 6, fellBack: 12 }), THRESHOLDS, 100),
    );
    assert.equal(slos.invalid_retry_rate?.value, 3);
    assert.equal(slos.invalid_retry_rate?.state, 'ok');
    assert.equal(slos.fallback_rate?.value, 6);
    assert.equal(slos.fallback_rate?.state, 'critical');
  });

  it('reads p95 by nearest rank: 190 turns at 1 s and 10 at 9 s read 1 s, 189 + 11 read 9 s', () => {
    const holding = bySlo(
      judgeSlos(awfTurns({ fast: 190, slow: 10, retried: 0, fellBack: 0 }), THRESHOLDS, 100),
    );
    assertNear(holding.turn_latency_p95?.value ?? null, 1000);
    assert.equal(holding.turn_latency_p95?.state, 'ok');
    const above = bySlo(
      judgeSlos(awfTurns({ fast: 189, slow: 11, retried: 0, fellBack: 0 }), THRESHOLDS, 100),
    );
    assertNear(above.turn_latency_p95?.value ?? null, 9000);
  });

  it('fires the p95 on its lower bound: 189 + 11 of 200 (9 s, but 5.5 % slow) hold, 170 + 30 (15 % slow) do not', () => {
    // Ranks below 190 are 1 s: the 99.9 % lower bound of the p95 of 200 turns is one of them.
    const marginal = bySlo(
      judgeSlos(awfTurns({ fast: 189, slow: 11, retried: 0, fellBack: 0 }), THRESHOLDS, 100),
    );
    assertNear(marginal.turn_latency_p95?.lowerBound ?? null, 1000);
    assert.equal(marginal.turn_latency_p95?.state, 'ok');
    const violated = bySlo(
      judgeSlos(awfTurns({ fast: 170, slow: 30, retried: 0, fellBack: 0 }), THRESHOLDS, 100),
    );
    assertNear(violated.turn_latency_p95?.value ?? null, 9000);
    assertNear(violated.turn_latency_p95?.lowerBound ?? null, 9000);
    assert.equal(violated.turn_latency_p95?.state, 'warning');
  });

  describe('fires rates on the one-sided lower Wilson bound, not the point value', () => {
    it('4 fallbacks in 300 turns (1.33 %) do not fire: the lower bound is below 1 %', () => {
      for (const confidence of [95, 99.9]) {
        const slos = bySlo(
          judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 4 }), THRESHOLDS, 100, confidence),
        );
        const fallback = slos.fallback_rate;
        assert.ok(Math.abs((fallback?.value ?? 0) - 4 / 3) < 1e-9, String(fallback?.value));
        assert.ok((fallback?.lowerBound ?? 1) < 1, `${confidence} %: ${fallback?.lowerBound}`);
        assert.equal(fallback?.confidence, confidence);
        assert.equal(fallback?.state, 'ok');
      }
    });

    it('the 95 % lower bound of 4 in 300 is 0.60 % (Wilson score, by hand: centre 1.77 %, half-width 1.17 %)', () => {
      const slos = bySlo(
        judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 4 }), THRESHOLDS, 100, 95),
      );
      assert.ok(
        Math.abs((slos.fallback_rate?.lowerBound ?? 0) - 0.6) < 0.01,
        String(slos.fallback_rate?.lowerBound),
      );
    });

    it('20 fallbacks in 300 turns (6.67 %) fire: the lower bound is above 1 %', () => {
      const slos = bySlo(
        judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 20 }), THRESHOLDS, 100),
      );
      assert.ok((slos.fallback_rate?.lowerBound ?? 0) > 1, String(slos.fallback_rate?.lowerBound));
      assert.equal(slos.fallback_rate?.state, 'critical');
    });

    it('retries too: 20 in 300 (6.67 %, threshold 5 %) hold, 40 in 300 (13.3 %) do not', () => {
      const marginal = bySlo(
        judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 20, fellBack: 0 }), THRESHOLDS, 100),
      );
      assert.equal(marginal.invalid_retry_rate?.state, 'ok');
      const violated = bySlo(
        judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 40, fellBack: 0 }), THRESHOLDS, 100),
      );
      assert.equal(violated.invalid_retry_rate?.state, 'warning');
    });

    it('at 50 % confidence the bound is the point value: 4 in 300 fire', () => {
      const slos = bySlo(
        judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 4 }), THRESHOLDS, 100, 50),
      );
      assert.equal(slos.fallback_rate?.state, 'critical');
    });

    it('uses 99.9 % unless told otherwise (SLO_ALERT_CONFIDENCE)', () => {
      for (const slo of judgeSlos(
        awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 0 }),
        THRESHOLDS,
        100,
      )) {
        assert.equal(slo.confidence, 99.9);
      }
    });
  });

  it('gives each SLO the seed severity: fallback rate critical, retry rate and latency warning', () => {
    const slos = bySlo(
      judgeSlos(awfTurns({ fast: 0, slow: 100, retried: 100, fellBack: 100 }), THRESHOLDS, 100),
    );
    assert.equal(slos.turn_latency_p95?.state, 'warning');
    assert.equal(slos.invalid_retry_rate?.state, 'warning');
    assert.equal(slos.fallback_rate?.state, 'critical');
  });

  it('treats the threshold itself as holding (violated means strictly above)', () => {
    const slos = bySlo(judgeSlos(awfTurns({ fast: 100, slow: 0, retried: 5, fellBack: 1 }), THRESHOLDS, 100));
    assert.equal(slos.invalid_retry_rate?.value, 5);
    assert.equal(slos.invalid_retry_rate?.state, 'ok');
    assert.equal(slos.fallback_rate?.state, 'ok');
  });

  describe('when the window holds fewer AWF turns than the minimum sample', () => {
    it('judges nothing (insufficient_data) but still shows the values', () => {
      const slos = judgeSlos(awfTurns({ fast: 0, slow: 99, retried: 99, fellBack: 99 }), THRESHOLDS, 100);
      for (const slo of slos) {
        assert.equal(slo.state, 'insufficient_data');
        assert.equal(slo.sample, 99);
        assert.notEqual(slo.value, null);
      }
    });

    it('has no value at all without turns', () => {
      for (const slo of judgeSlos(emptyAggregate(), THRESHOLDS, 1)) {
        assert.equal(slo.value, null);
        assert.equal(slo.state, 'insufficient_data');
      }
    });
  });
});

describe('SLO_DEFINITIONS — the seed\'s suggested actions ("Suggested Actions" and "Troubleshooting")', () => {
  const actionsOf = (name: SloName) => sloDefinition(name).suggestedActions.join(' | ');

  it('high latency: provider health, bundle size and tokens, reduce rollout, resource constraints', () => {
    assert.match(
      actionsOf('turn_latency_p95'),
      /model provider health.*bundle size and token counts.*reducing rollout.*resource constraints/,
    );
  });
  it('high retry rate: validator rules, model output quality, temperature, input bundle structure', () => {
    assert.match(
      actionsOf('invalid_retry_rate'),
      /validator rules.*model output quality.*temperature.*input bundle structure/,
    );
  });
  it('high fallback rate: validation failures, provider health, reduce rollout, thresholds, emergency rollback', () => {
    assert.match(
      actionsOf('fallback_rate'),
      /consecutive validation failures.*model provider health.*Reduce rollout.*SLO thresholds.*emergency rollback/,
    );
  });
  it('lists the three SLOs with their threshold variables', () => {
    assert.deepEqual(
      SLO_DEFINITIONS.map((definition) => [definition.name, definition.thresholdEnv]),
      [
        ['turn_latency_p95', 'SLO_TURN_P95_MS'],
        ['invalid_retry_rate', 'SLO_INVALID_RETRY_RATE'],
        ['fallback_rate', 'SLO_FALLBACK_RATE'],
      ],
    );
  });
});

/** A critical fallback-rate alert fired at 3 % on 300 AWF turns (9 fallbacks). */
const FIRED_ALERT: SloAlert = Object.freeze({
  id: 'a1',
  slo: 'fallback_rate',
  severity: 'critical',
  window: '5m',
  threshold: 1,
  firedValue: 3,
  firedSample: 300,
  firedAt: '2026-01-01T12:00:00.000Z',
  firedBy: 'host-a',
});

describe('alertLogLine()', () => {
  // docs/slos.md, "Firing on a lower bound": 9 fallbacks in 300 AWF turns are 3.00 %, 99.9 % lower bound 1.12 %.
  const firing = bySlo(
    judgeSlos(awfTurns({ fast: 300, slow: 0, retried: 0, fellBack: 9 }), THRESHOLDS, 100, 99.9),
  ).fallback_rate as SloResult;

  it('when an alert fires: one warning line with value, lower bound, sample, threshold, severity, window and every action', () => {
    const line = alertLogLine(alertEvent('fired', FIRED_ALERT, 'host-a', firing));
    assert.match(
      line,
      /^SLO violated: fallback rate 3\.00 % \(lower bound 1\.12 % at 99\.9 %, n=300\) > threshold 1\.00 % \(critical, window 5m, 300 AWF turns\)\. Suggested actions: 1\) /,
    );
    for (const action of sloDefinition('fallback_rate').suggestedActions)
      assert.ok(line.includes(action), action);
    assert.ok(!line.includes('\n'));
  });

  it('when it resolves: says so with the value it resolved at, its lower bound and sample', () => {
    // 2 fallbacks in 400 AWF turns: 0.50 %, 99.9 % lower bound 0.0755275 %.
    const resolved = {
      ...FIRED_ALERT,
      resolvedAt: '2026-01-01T12:10:00.000Z',
      resolvedValue: 0.5,
      resolvedSample: 400,
    };
    assert.equal(
      alertLogLine(alertEvent('resolved', resolved, 'host-a', { lowerBound: 0.0755275, confidence: 99.9 })),
      'SLO recovered: fallback rate 0.50 % (lower bound 0.08 % at 99.9 %, n=400) is back within threshold 1.00 % (critical alert resolved, window 5m, 400 AWF turns)',
    );
  });

  it('when the evaluation had no bound: gives the sample alone', () => {
    const line = alertLogLine(
      alertEvent('fired', FIRED_ALERT, 'host-a', { lowerBound: null, confidence: 99.9 }),
    );
    assert.match(line, /^SLO violated: fallback rate 3\.00 % \(n=300\) > threshold 1\.00 %/);
  });
});

describe('alertEvent()', () => {
  it('carries the lower bound, its confidence and the sample beside the point value', () => {
    const event = alertEvent('fired', FIRED_ALERT, 'host-a', { lowerBound: 1.12, confidence: 99.9 });
    assert.deepEqual(
      {
        value: event.value,
        lowerBound: event.lowerBound,
        confidence: event.confidence,
        sample: event.sample,
        threshold: event.threshold,
      },
      { value: 3, lowerBound: 1.12, confidence: 99.9, sample: 300, threshold: 1 },
    );
  });
});

describe('resolveAtOrBelow()', () => {
  it('puts the resolve point 10 % of the threshold below it by default hysteresis', () => {
    assert.equal(resolveAtOrBelow(1, 10), 0.9);
    assert.equal(resolveAtOrBelow(8000, 10), 7200);
    assert.equal(resolveAtOrBelow(5, 0), 5);
  });
});

describe('mergeMinutes()', () => {
  it('adds counts, fallback reasons and failures of every instance and minute, per pipeline', () => {
    const minute = (instanceId: string, sample: TurnSample, turns: number): StoredMinute => {
      const aggregator = new TurnAggregator();
      for (let i = 0; i < turns; i++) aggregator.record(sample, 0);
      const [aggregate] = aggregator.drain();
      assert.ok(aggregate);
      return {
        minute: 0,
        instanceId,
        pipeline: sample.pipeline,
        turns: aggregate.turns,
        retries: aggregate.retries,
        fallbacks: aggregate.fallbacks,
        fallbackReasons: aggregate.fallbackReasons,
        failures: aggregate.failures,
        latencySketch: aggregate.latency.encode(),
        feedback: aggregate.feedback,
      };
    };
    const { awf, legacy, instances } = mergeMinutes([
      minute(
        'a',
        { pipeline: 'awf', latencyMs: 10, retried: true, fallback: true, fallbackReason: 'timeout' },
        3,
      ),
      minute(
        'b',
        { pipeline: 'awf', latencyMs: 20, retried: false, fallback: true, fallbackReason: 'timeout' },
        2,
      ),
      minute('b', { pipeline: 'legacy', latencyMs: 30, retried: false, fallback: false }, 4),
      minute('a', { pipeline: 'legacy', latencyMs: 30, retried: false, fallback: false, failed: true }, 2),
    ]);
    assert.deepEqual(instances, ['a', 'b']);
    assert.deepEqual(
      { turns: awf.turns, retries: awf.retries, fallbacks: awf.fallbacks, reasons: awf.fallbackReasons },
      { turns: 5, retries: 3, fallbacks: 5, reasons: { timeout: 5 } },
    );
    assert.equal(legacy.turns, 6);
    assert.equal(legacy.failures, 2);
    assert.equal(awf.failures, 0);
    assert.equal(summarizePipeline(legacy).latencyMaxMs, 30);
  });
});
