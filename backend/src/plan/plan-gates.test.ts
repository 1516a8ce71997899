import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/seeded-random.js';
import { emptyAggregate, type TurnAggregate } from '../slos/turn-aggregates.js';
import { decide } from './plan-decision.js';
import {
  evaluateGates,
  type GateContext,
  type GateData,
  goldensGate,
  sampleRatioGate,
  sloGate,
  trafficGate,
} from './plan-gates.js';
import {
  rateBound,
  type SampleRatioLook,
  sampleToTellDouble,
  sequentialSampleRatioTest,
} from './plan-statistics.js';
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
    // The stage's new sessions as one look.
    stageNewSessions:
      awf.newSessions + legacy.newSessions > 0 ? [{ awf: awf.newSessions, legacy: legacy.newSessions }] : [],
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
    codeVersion: 'v',
    run: {
      runId: 'r',
      startedAt: 'x',
      contentHash: 'c',
      codeVersion: 'v',
      harnessVersion: '1',
      source: 'cli',
      provider: 'local',
      scenarios: 3,
      failing: [],
    },
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

  it('does not test the minute of the step, whose new sessions were partly routed at the previous percentage', () => {
    // Stepped to 5 % at 10:30 into minute 10; until minute 11 starts the stage window is minute 10 alone.
    const skewedMinute = data(
      aggregate(200, 0, 3000, { newSessions: 200 }),
      aggregate(1800, 0, 3000, { newSessions: 1800 }),
    );
    const atStep = { ...CONTEXT, stageStartedAtMs: 10 * 60_000 + 30_000, nowMs: 10 * 60_000 + 45_000 };
    const inStepMinute = sampleRatioGate(atStep, {
      ...skewedMinute,
      stage: { ...skewedMinute.stage, fromMinute: 10, toMinute: 10 },
    });
    assert.equal(inStepMinute.status, 'skip');
    // From the first whole minute on, the same split is a mismatch.
    const nextMinute = sampleRatioGate(
      { ...atStep, nowMs: 11 * 60_000 + 15_000 },
      { ...skewedMinute, stage: { ...skewedMinute.stage, fromMinute: 11, toMinute: 11 } },
    );
    assert.equal(nextMinute.reason, 'sample_ratio_mismatch');
  });
});

/** The smallest count x with P(X ≥ x) ≤ `level` for X ~ Binomial(n, p): more crossings than this refute "rate ≤ p". */
function binomialUpperBound(n: number, p: number, level: number): number {
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let x = 0;
  while (1 - cdf > level) {
    pmf = (pmf * (n - x) * p) / ((x + 1) * (1 - p));
    cdf += pmf;
    x += 1;
  }
  return x + 1;
}

describe('the sequential sample ratio test', () => {
  it('keeps the chance of ever crossing p < 0.001 at or below 0.001 over a day of per-minute looks at the target split', () => {
    // The spec: "p < 0.001 → hold and alert". 2000 seeded stages, each 1440 looks (one a minute for a
    // day) of 5 new sessions a minute routed at exactly the target share; a chi-square re-tested at every
    // look would cross far more often than 0.1 % of them.
    const runs = 2000;
    const targets = [0.05, 0.25, 0.5];
    let crossed = 0;
    for (let run = 0; run < runs; run++) {
      const random = seededRandom(1_000 + run);
      const share = targets[run % targets.length] as number;
      const looks: SampleRatioLook[] = [];
      for (let minute = 0; minute < 1440; minute++) {
        let awf = 0;
        for (let i = 0; i < 5; i++) if (random.next() < share) awf += 1;
        looks.push({ awf, legacy: 5 - awf });
      }
      const test = sequentialSampleRatioTest(looks, share);
      assert.equal(test.looks, 1440);
      if ((test.pValue as number) < 0.001) crossed += 1;
    }
    // Binomial(2000, 0.001): more than this many crossing runs would have probability below 0.001.
    const bound = binomialUpperBound(runs, 0.001, 0.001);
    assert.ok(crossed < bound, `${crossed} of ${runs} stages crossed p < 0.001 (bound ${bound})`);
  });

  it('detects a 4 % split against a 5 % target within 10 000 new sessions, looking every minute', () => {
    // 10 new sessions a minute, 4 of every 100 routed to AWF.
    const looks: SampleRatioLook[] = Array.from({ length: 1000 }, (_, minute) => {
      const awf = minute % 10 < 4 ? 1 : 0;
      return { awf, legacy: 10 - awf };
    });
    const test = sequentialSampleRatioTest(looks, 0.05);
    assert.equal(test.awf + test.legacy, 10_000);
    assert.equal(test.awf, 400);
    assert.ok((test.pValue as number) < 0.001, String(test.pValue));
    const gate = sampleRatioGate(CONTEXT, {
      ...data(aggregate(400, 0, 3000, { newSessions: 400 }), aggregate(9600, 0, 3000, { newSessions: 9600 })),
      stageNewSessions: looks,
    });
    assert.equal(gate.reason, 'sample_ratio_mismatch');
    assert.equal(gate.evidence.looks, 1000);
  });

  it('never raises its p-value as looks are added: a mismatch once seen stays seen', () => {
    const looks: SampleRatioLook[] = [{ awf: 60, legacy: 940 }];
    const skewed = sequentialSampleRatioTest(looks, 0.01).pValue as number;
    assert.ok(skewed < 0.001);
    for (let i = 0; i < 50; i++) looks.push({ awf: 10, legacy: 990 });
    const later = sequentialSampleRatioTest(looks, 0.01);
    assert.ok((later.pValue as number) <= skewed);
    assert.ok((later.bayesFactor as number) < (later.maxBayesFactor as number));
  });

  it('does not test a split at 100 % or without a new session', () => {
    assert.equal(sequentialSampleRatioTest([{ awf: 10, legacy: 0 }], 1).pValue, null);
    assert.equal(sequentialSampleRatioTest([], 0.05).pValue, null);
  });
});

describe('the goldens gate', () => {
  const goldens = (
    over: Partial<GateContext['goldens']>,
    run: Partial<NonNullable<GateContext['goldens']['run']>> = {},
  ) => ({
    ...CONTEXT,
    goldens: {
      ...CONTEXT.goldens,
      ...over,
      run:
        over.run === null
          ? null
          : { ...(CONTEXT.goldens.run as NonNullable<GateContext['goldens']['run']>), ...run },
    },
  });

  it('passes on a run on the served content hash and code version, recording its id and who ran it', () => {
    const result = goldensGate(goldens({}, { source: 'plan-controller' }));
    assert.equal(result.status, 'pass');
    assert.equal(result.evidence.runId, 'r');
    assert.equal(result.evidence.ranByController, true);
    assert.equal(goldensGate(goldens({})).evidence.ranByController, false);
  });

  it('fails on a failed run on the served content and code, as a stored failed run', () => {
    const result = goldensGate(goldens({}, { failing: ['opening (awf)'] }));
    assert.equal(result.status, 'fail');
    assert.equal(result.reason, 'gate_failed:goldens');
  });

  it('holds goldens_stale on a run of other content or of other code (or of unrecorded code)', () => {
    assert.equal(goldensGate(goldens({}, { contentHash: 'other' })).reason, 'goldens_stale');
    const otherCode = goldensGate(goldens({}, { codeVersion: '0.0.9+abc' }));
    assert.equal(otherCode.reason, 'goldens_stale');
    assert.match(otherCode.summary, /other code/);
    assert.equal(goldensGate(goldens({}, { codeVersion: null })).reason, 'goldens_stale');
  });

  it('holds goldens_running while the controller runs the suite, and goldens_missing without any run', () => {
    const controllerRun = {
      state: 'running' as const,
      startedAt: 'x',
      pid: 42,
      contentHash: 'c',
      codeVersion: 'v',
      runId: null,
      error: null,
    };
    assert.equal(
      goldensGate(goldens({ run: null, runGoldens: true, controllerRun })).reason,
      'goldens_running',
    );
    assert.equal(goldensGate(goldens({ run: null })).reason, 'goldens_missing');
    const failed = goldensGate(
      goldens({
        run: null,
        runGoldens: true,
        controllerRun: { ...controllerRun, state: 'failed', error: 'boom' },
      }),
    );
    assert.equal(failed.reason, 'goldens_missing');
    assert.match(failed.summary, /boom/);
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
