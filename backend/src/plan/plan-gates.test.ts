import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyAggregate, type TurnAggregate } from '../slos/turn-aggregates.js';
import { decide } from './plan-decision.js';
import {
  evaluateGates,
  type GateContext,
  type GateData,
  sampleRatioGate,
  sloGate,
  trafficGate,
} from './plan-gates.js';
import { rateBound, sampleRatioTest, sampleToTellDouble } from './plan-statistics.js';
import type { GateResult, PlanStage } from './plan-types.js';

/** The standard normal's 95 % quantile (one-sided 95 %). */
const Z = 1.6448536;
const THRESHOLDS = { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 };
const STAGES: PlanStage[] = [5, 25, 50, 100].map((percent) => ({
  percent,
  bakeMs: 60_000,
  minSample: 100,
  approval: percent === 100,
}));

function aggregate(
  turns: number,
  fallbacks = 0,
  latencyMs = 3000,
  extra: Partial<TurnAggregate> = {},
): TurnAggregate {
  const result = { ...emptyAggregate(), turns, fallbacks, ...extra };
  for (let i = 0; i < turns; i++) result.latency.add(latencyMs);
  return result;
}

function data(
  awf: TurnAggregate,
  legacy: TurnAggregate = aggregate(0),
  recent?: { awf: TurnAggregate; legacy: TurnAggregate },
): GateData {
  const window = (a: TurnAggregate, l: TurnAggregate) => ({
    fromMinute: 0,
    toMinute: 10,
    awf: a,
    legacy: l,
    shadow: aggregate(0),
  });
  const r = recent ?? { awf, legacy };
  return {
    stage: window(awf, legacy),
    recent: { '5m': window(r.awf, r.legacy), '1h': window(r.awf, r.legacy) },
  };
}

const CONTEXT: GateContext = {
  nowMs: 10 * 60_000,
  stageIndex: 0,
  stage: STAGES[0] as PlanStage,
  nextStage: STAGES[1],
  stageStartedAtMs: 0,
  thresholds: THRESHOLDS,
  switches: { globalEnabled: true, emergencyFallback: false, legacyTurnEnabled: false },
  openCriticalAlerts: [],
  goldens: {
    contentHash: 'c',
    run: { runId: 'r', startedAt: 'x', contentHash: 'c', harnessVersion: '1', scenarios: 3, failing: [] },
  },
  approvedBy: null,
};

const DECISION = {
  stageIndex: 1,
  stages: STAGES,
  onFailure: 'rollback' as const,
  failAfter: 3,
  failingStreak: 0,
};

describe('the minimum sample derived from a threshold', () => {
  it('is enough turns that a rate at twice the threshold is 95 % distinguishable from one at the threshold', () => {
    for (const thresholdPct of [1, 5]) {
      const n = sampleToTellDouble(thresholdPct);
      const p0 = thresholdPct / 100;
      const p1 = 2 * p0;
      // One-sided 95 % test at the threshold, with 95 % power at twice it.
      const critical = p0 + Z * Math.sqrt((p0 * (1 - p0)) / n);
      assert.ok(p1 - Z * Math.sqrt((p1 * (1 - p1)) / n) >= critical - 1e-9, `n = ${n} at ${thresholdPct} %`);
      const smaller = n - 1;
      assert.ok(
        p1 - Z * Math.sqrt((p1 * (1 - p1)) / smaller) < p0 + Z * Math.sqrt((p0 * (1 - p0)) / smaller),
      );
    }
  });
});

describe('an SLO gate', () => {
  it('passes only when the upper 95 % bound over the stage is below the threshold', () => {
    const pass = sloGate('fallback_rate', CONTEXT, data(aggregate(2000, 6)));
    assert.equal(pass.status, 'pass');
    // 0.3 % on 200 turns: the point value is under 1 %, but the bound is not.
    const few = sloGate('fallback_rate', CONTEXT, data(aggregate(200, 0)));
    assert.equal(few.status, 'hold');
    assert.equal(few.reason, 'slo_bound:fallback_rate');
  });

  it('holds (does not fail) when a rate merely touches the threshold on few turns', () => {
    // 1 of 50 = 2 %, twice the threshold, but its lower 95 % bound (≈ 0.35 %) is below 1 %.
    const touch = sloGate('fallback_rate', CONTEXT, data(aggregate(50, 1)));
    assert.equal(touch.status, 'hold');
    assert.ok((rateBound(1, 50).lowPct as number) < 1);
  });

  it('fails when the lower bound is above the threshold in both recent windows, critically for the fallback rate', () => {
    const bad = sloGate('fallback_rate', CONTEXT, data(aggregate(60, 12), aggregate(1140)));
    assert.equal(bad.status, 'fail');
    assert.equal(bad.reason, 'gate_failed:fallback_rate');
    assert.equal(bad.critical, true);
  });

  it('counts a breach seen at 95 % but not confirmed at 99.9 % towards N in a row instead of acting at once', () => {
    // 4 of 100 = 4 %: the 95 % lower bound (≈ 1.6 %) is above 1 %, the 99.9 % one (≈ 0.97 %) is not.
    const unconfirmed = sloGate('fallback_rate', CONTEXT, data(aggregate(100, 4), aggregate(1900)));
    assert.equal(unconfirmed.status, 'fail');
    assert.equal(unconfirmed.critical, false);
  });

  it('holds with awf_no_worse_than_legacy when legacy fails alike in the same window', () => {
    const outage = sloGate(
      'fallback_rate',
      CONTEXT,
      data(aggregate(300, 30), aggregate(5700, 0, 3000, { failures: 570 })),
    );
    assert.equal(outage.status, 'hold');
    assert.equal(outage.reason, 'awf_no_worse_than_legacy');
  });

  it('judges the p95 by its order-statistic bounds', () => {
    const slow = sloGate(
      'turn_latency_p95',
      CONTEXT,
      data(aggregate(500, 0, 12_000), aggregate(500, 0, 3000)),
    );
    assert.equal(slow.status, 'fail');
    assert.equal(slow.critical, false);
    assert.equal(sloGate('turn_latency_p95', CONTEXT, data(aggregate(500, 0, 3000))).status, 'pass');
  });
});

describe('the traffic gate', () => {
  it('holds with no_traffic when the last hour had no AWF turn, and min_sample below the stage minimum', () => {
    assert.equal(trafficGate(CONTEXT, data(aggregate(0))).reason, 'no_traffic');
    assert.equal(trafficGate(CONTEXT, data(aggregate(50))).reason, 'min_sample');
    assert.equal(trafficGate(CONTEXT, data(aggregate(150))).status, 'pass');
  });
});

describe('the sample ratio gate', () => {
  it('holds with sample_ratio_mismatch when new sessions split away from the target (p < 0.001)', () => {
    const skewed = sampleRatioGate(
      CONTEXT,
      data(aggregate(200, 0, 3000, { newSessions: 200 }), aggregate(1800, 0, 3000, { newSessions: 1800 })),
    );
    assert.equal(skewed.status, 'hold');
    assert.equal(skewed.reason, 'sample_ratio_mismatch');
    assert.ok((skewed.evidence.pValue as number) < 0.001);
    const fair = sampleRatioGate(
      CONTEXT,
      data(aggregate(100, 0, 3000, { newSessions: 100 }), aggregate(1900, 0, 3000, { newSessions: 1900 })),
    );
    assert.equal(fair.status, 'pass');
  });

  it('computes the chi-square p-value of a 1-df test (χ² = 3.84 ↔ p ≈ 0.05)', () => {
    // 1000 units, expected 500/500, observed 531/469: χ² = 3.844.
    const test = sampleRatioTest(531, 469, 0.5);
    assert.ok(Math.abs((test.pValue as number) - 0.0499) < 0.001, String(test.pValue));
  });
});

function gate(name: string, status: GateResult['status'], reason?: string, critical = false): GateResult {
  return { name, status, ...(reason ? { reason } : {}), summary: name, critical, evidence: {} };
}

describe('a decision', () => {
  it('acts on a non-critical failure only after N failing evaluations in a row (default 3)', () => {
    const failing = [gate('slo:invalid_retry_rate', 'fail', 'gate_failed:invalid_retry_rate')];
    const first = decide(failing, DECISION);
    assert.deepEqual(
      [first.action, first.reason, first.failingStreak],
      ['hold', 'gate_failing:invalid_retry_rate', 1],
    );
    const second = decide(failing, { ...DECISION, failingStreak: 1 });
    assert.equal(second.action, 'hold');
    const third = decide(failing, { ...DECISION, failingStreak: 2 });
    assert.deepEqual([third.action, third.reason], ['rollback', 'gate_failed:invalid_retry_rate']);
  });

  it('acts at once on a confirmed critical breach, with the configured action', () => {
    const critical = [gate('slo:fallback_rate', 'fail', 'gate_failed:fallback_rate', true)];
    assert.equal(decide(critical, DECISION).action, 'rollback');
    assert.equal(decide(critical, { ...DECISION, onFailure: 'previous' }).action, 'previous');
    assert.equal(decide(critical, { ...DECISION, onFailure: 'pause' }).action, 'pause');
    // At the first stage there is no previous percentage to return to: roll back.
    assert.equal(decide(critical, { ...DECISION, stageIndex: 0, onFailure: 'previous' }).action, 'rollback');
  });

  it('never rolls back without traffic: no_traffic holds', () => {
    const gates = [gate('traffic', 'hold', 'no_traffic'), gate('goldens', 'fail', 'gate_failed:goldens')];
    const verdict = decide(gates, { ...DECISION, failingStreak: 5 });
    assert.deepEqual([verdict.action, verdict.reason], ['hold', 'no_traffic']);
  });

  it('a spike that clears resets the streak; all gates passing advances, and the last stage completes', () => {
    assert.equal(decide([gate('bake', 'pass')], { ...DECISION, failingStreak: 2 }).failingStreak, 0);
    assert.deepEqual(
      [decide([gate('bake', 'pass')], DECISION).action, decide([gate('bake', 'pass')], DECISION).reason],
      ['advance', 'all_gates_pass'],
    );
    assert.equal(decide([gate('bake', 'pass')], { ...DECISION, stageIndex: 3 }).reason, 'completed');
  });

  it('holds for bake time, then for approval before 100 %', () => {
    const healthy = data(aggregate(3000, 9), aggregate(57_000));
    const baking = evaluateGates({ ...CONTEXT, nowMs: 30_000 }, healthy);
    assert.equal(decide(baking, { ...DECISION, stageIndex: 0 }).reason, 'bake_time');
    const beforeHundred = { ...CONTEXT, stageIndex: 2, stage: STAGES[2] as PlanStage, nextStage: STAGES[3] };
    const waiting = evaluateGates(beforeHundred, healthy);
    assert.equal(decide(waiting, { ...DECISION, stageIndex: 2 }).reason, 'awaiting_approval');
    const approved = evaluateGates({ ...beforeHundred, approvedBy: 'bob' }, healthy);
    assert.equal(decide(approved, { ...DECISION, stageIndex: 2 }).action, 'advance');
  });
});
