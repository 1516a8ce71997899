import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fallbackBuckets, renderPlotSvg } from './plot-svg.js';
import { SCENARIOS } from './scenarios.js';
import type { SimDecision, SimulationRun } from './simulation.js';
import {
  buildReport,
  describeEvidence,
  formatTimeline,
  sinceStart,
  summariseDecisions,
  summariseRun,
} from './timeline.js';

const START = Date.parse('2026-01-05T00:00:00.000Z');
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

function decision(seconds: number, action: SimDecision['action'], reason: string, stage = 0): SimDecision {
  return {
    id: `d${seconds}`,
    at: at(seconds),
    stage,
    stagePercent: [5, 25][stage] ?? 5,
    action,
    reason,
    evidence: { seconds },
  };
}

/** A bad canary as the simulator would record it: 5 % from 60 s, rolled back at 120 s, applied at 120.25 s. */
function badCanaryRun(): SimulationRun {
  const minutes = 10;
  const awfTurns = new Uint32Array(minutes);
  const awfFallbacks = new Uint32Array(minutes);
  awfTurns[1] = 60;
  awfFallbacks[1] = 12;
  return {
    scenario: SCENARIOS['bad-canary'],
    seed: 1,
    ratePerSecond: 20,
    startMs: START,
    endMs: START + minutes * 60_000,
    decisions: [
      decision(60, 'advance', 'all_gates_pass'),
      decision(120, 'rollback', 'gate_failed:fallback_rate'),
    ],
    applied: [
      { atMs: START, percent: 0 },
      { atMs: START + 60_250, percent: 5 },
      { atMs: START + 120_250, percent: 0 },
    ],
    alerts: [{ atMs: START + 180_000, kind: 'fired', slo: 'fallback_rate', severity: 'critical', value: 20 }],
    operatorEvents: [{ atMs: START, what: 'operator started the plan' }],
    minutes: {
      firstMinute: Math.floor(START / 60_000),
      awfTurns,
      awfFallbacks,
      legacyTurns: new Uint32Array(minutes),
      trueAwfFallbackPct: new Float64Array(minutes).fill(20),
    },
    faultStartedAtMs: START + 60_250,
    fallbackThresholdPct: 1,
    turns: { awf: 60, legacy: 11_940 },
  };
}

describe('summariseDecisions()', () => {
  it('folds consecutive holds of one stage and reason into one row, keeping every other decision', () => {
    const rows = summariseDecisions([
      decision(60, 'hold', 'bake_time'),
      decision(120, 'hold', 'bake_time'),
      decision(180, 'hold', 'bake_time'),
      decision(240, 'hold', 'no_traffic'),
      decision(300, 'advance', 'all_gates_pass'),
      decision(360, 'hold', 'bake_time', 1),
      decision(420, 'hold', 'bake_time', 1),
    ]);
    assert.deepEqual(
      rows.map((row) => [row.at, row.action, row.reason, row.stage, row.evaluations, row.until]),
      [
        [at(60), 'hold', 'bake_time', 0, 3, at(180)],
        [at(240), 'hold', 'no_traffic', 0, 1, at(240)],
        [at(300), 'advance', 'all_gates_pass', 0, undefined, undefined],
        [at(360), 'hold', 'bake_time', 1, 2, at(420)],
      ],
    );
    assert.deepEqual(rows[0]?.evidence, { seconds: 180 }, 'a summarised hold carries its last evidence');
  });
});

describe('summariseRun()', () => {
  it('times the rollback from the fault: decided when the controller said so, applied when the router picked it up', () => {
    const summary = summariseRun(badCanaryRun());
    assert.deepEqual(summary, {
      finalPercent: 0,
      advances: 1,
      rollbacks: 1,
      pauses: 0,
      faultStartedAt: at(60.25),
      rollbackDecidedAfterSeconds: 59.75,
      rollbackAppliedAfterSeconds: 60,
    });
  });

  it('leaves the rollback times out when there was no fault or no rollback', () => {
    const run = { ...badCanaryRun(), decisions: [decision(60, 'advance', 'all_gates_pass')] };
    assert.equal(summariseRun(run).rollbackDecidedAfterSeconds, undefined);
    const { faultStartedAtMs: _fault, ...healthy } = badCanaryRun();
    assert.equal(summariseRun(healthy).faultStartedAt, undefined);
  });
});

describe('buildReport() and formatTimeline()', () => {
  it('gives --json exactly the documented keys, and a table with the decisions, routing and alerts in time order', () => {
    const run = badCanaryRun();
    const report = buildReport(run, '/tmp/plot.svg');
    assert.deepEqual(Object.keys(report), ['scenario', 'seed', 'decisions', 'summary', 'plot']);
    for (const row of report.decisions) {
      for (const key of ['at', 'stage', 'action', 'reason', 'evidence']) assert.ok(key in row, key);
    }
    const lines = formatTimeline(run, report);
    const table = lines.filter((line) => line.startsWith('+0d'));
    assert.deepEqual(
      table.map((line) => line.split(/\s{2,}/)[0]),
      ['+0d 00:00:00', '+0d 00:01:00', '+0d 00:01:00', '+0d 00:02:00', '+0d 00:02:00', '+0d 00:03:00'],
    );
    assert.match(table[3] ?? '', /rollback\s+gate_failed:fallback_rate/);
    assert.match(table[5] ?? '', /alert fired\s+fallback_rate/);
    assert.ok(lines.some((line) => line.includes('rollback decided 59.75 s and applied 60 s after it')));
    assert.equal(lines.at(-1), 'plot: /tmp/plot.svg');
  });

  it('words a decision by the summaries of the gates its verdict names', () => {
    const evidence = {
      planId: 'p1',
      gates: [
        { name: 'bake', status: 'pass', summary: 'baked 7d of 7d' },
        { name: 'slo:fallback_rate', status: 'fail', summary: 'fallback_rate: lower 95 % bound above 1 %' },
      ],
      verdict: { action: 'rollback', reason: 'gate_failed:fallback_rate', decidedBy: ['slo:fallback_rate'] },
    };
    assert.equal(describeEvidence(evidence), 'fallback_rate: lower 95 % bound above 1 %');
    assert.equal(describeEvidence({ seconds: 3, note: 'x' }), 'seconds 3, note x');
  });

  it('reads simulated time as days and a clock', () => {
    assert.equal(sinceStart(START, START + 3 * 86_400_000 + 3_723_000), '+3d 01:02:03');
  });
});

describe('renderPlotSvg()', () => {
  it('draws the percent, the fallback rate with its 95 % bounds, the threshold and the rollback', () => {
    const svg = renderPlotSvg(badCanaryRun());
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    for (const part of [
      'class="bounds"',
      'class="observed"',
      'class="threshold"',
      'class="true-rate"',
      'class="marker rollback"',
      'class="marker fault"',
      'class="alert fired"',
    ]) {
      assert.ok(svg.includes(part), part);
    }
    assert.ok(svg.includes('SLO threshold 1 %'));
    // Every element that opens closes (the plot is well-formed XML of self-closing and paired tags).
    const opened = (svg.match(/<(svg|text)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|text)>/g) ?? []).length;
    assert.equal(opened, closed);
  });

  it('puts each bucket rate inside its Wilson 95 % bounds, and skips minutes without AWF turns', () => {
    const buckets = fallbackBuckets(badCanaryRun());
    assert.equal(buckets.length, 1);
    const [bucket] = buckets;
    assert.deepEqual([bucket?.turns, bucket?.fallbacks], [60, 12]);
    assert.equal(bucket?.ratePct, 20);
    // Wilson 95 % for 12 of 60: 11.8 % – 31.8 % (independently: z = 1.96).
    assert.ok(Math.abs((bucket?.lowPct ?? 0) - 11.8) < 0.1, `low ${bucket?.lowPct}`);
    assert.ok(Math.abs((bucket?.highPct ?? 0) - 31.8) < 0.1, `high ${bucket?.highPct}`);
  });
});
