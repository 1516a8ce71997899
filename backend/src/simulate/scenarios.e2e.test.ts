/**
 * The "Done when" for the simulator, on the real plan controller, SLO engine and store with a
 * fake clock and fixed seeds, each run only as long as its claim needs. The bounds are the issue's.
 */

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import type { DecommissionReport } from '../decommission/decommission-service.js';
import { runGoldenSuite } from './golden-suite-process.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { simulationServicesOf } from './sim-wiring.js';
import { SIMULATION_START } from './simulate-command.js';
import { runSimulation, type SimulationRun } from './simulation.js';
import { summariseDecisions, summariseRun } from './timeline.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const quiet = { info: () => {}, warn: () => {}, error: (line: string) => console.error(line) };

let templateDir: string;
let template: string;

before(async () => {
  // One real golden run, stored once and copied into each scenario's store (the plan's goldens gate reads it).
  templateDir = mkdtempSync(path.join(tmpdir(), 'awf-simulate-template-'));
  template = path.join(templateDir, 'goldens.db');
  await runGoldenSuite(template);
});

after(() => {
  rmSync(templateDir, { recursive: true, force: true });
});

async function simulateScenario(
  name: ScenarioName,
  options: { seed: number; hours: number; rate?: number; env?: Record<string, string> },
  inspect?: (services: TestServices, run: SimulationRun) => Promise<void>,
): Promise<SimulationRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-simulate-test-'));
  const sqlitePath = path.join(dir, 'simulation.db');
  copyFileSync(template, sqlitePath);
  let now = SIMULATION_START;
  const services = await createTestServices(options.env ?? {}, {
    sqlitePath,
    clock: () => new Date(now),
    sloTimers: false,
    watchRollout: false,
    auditTimers: false,
    planController: false,
    log: quiet,
  });
  try {
    const scenario = SCENARIOS[name];
    const run = await runSimulation(simulationServicesOf(services), {
      scenario,
      seed: options.seed,
      ratePerSecond: options.rate ?? scenario.defaults.ratePerSecond,
      durationMs: options.hours * HOUR,
      startMs: SIMULATION_START,
      setClock: (ms) => {
        now = ms;
      },
    });
    await inspect?.(services, run);
    return run;
  } finally {
    await services.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const holdsWithin = (run: SimulationRun, fromMs: number, toMs: number) =>
  run.decisions.filter((d) => d.action === 'hold' && Date.parse(d.at) >= fromMs && Date.parse(d.at) < toMs);

describe('npm run simulate: the plan on simulated traffic', () => {
  it('bad canary at 20 turns/s (fallback 20 % from when 5 % starts): rollback decided ≤ 60 s and applied ≤ 90 s after the fault, one audit entry with the evidence, replay agrees', async () => {
    const run = await simulateScenario('bad-canary', { seed: 1, hours: 0.25 }, async (services, run) => {
      const rollbacks = run.decisions.filter((decision) => decision.action === 'rollback');
      assert.equal(rollbacks.length, 1);
      const entries = (await services.audit.query({ action: 'plan.rolled_back' })) as Array<{
        details: Record<string, unknown>;
      }>;
      assert.equal(entries.length, 1);
      const details = entries[0]?.details ?? {};
      assert.equal(details.decisionId, rollbacks[0]?.id);
      const evidence = details.evidence as { gates: Array<{ name: string; status: string }> };
      assert.equal(evidence.gates.find((gate) => gate.name === 'slo:fallback_rate')?.status, 'fail');
      const replay = await services.plan.service.replay(rollbacks[0]?.id as string);
      assert.equal(replay.agrees, true, JSON.stringify(replay));
    });
    const summary = summariseRun(run);
    assert.equal(summary.rollbacks, 1);
    assert.equal(summary.finalPercent, 0);
    assert.ok(
      (summary.rollbackDecidedAfterSeconds ?? Number.POSITIVE_INFINITY) <= 60,
      JSON.stringify(summary),
    );
    assert.ok(
      (summary.rollbackAppliedAfterSeconds ?? Number.POSITIVE_INFINITY) <= 90,
      JSON.stringify(summary),
    );
  });

  it('provider outage hitting both pipelines for 5 minutes: holds because AWF is no worse than legacy, no rollback; the SLO alert fires and resolves once', async () => {
    const run = await simulateScenario('provider-outage', { seed: 2, hours: 2.5 });
    const summary = summariseRun(run);
    const fault = run.faultStartedAtMs as number;
    assert.equal(fault, SIMULATION_START + 2 * HOUR);
    assert.deepEqual([summary.rollbacks, summary.pauses], [0, 0]);
    const reasons = new Set(holdsWithin(run, fault, fault + 15 * 60_000).map((decision) => decision.reason));
    assert.ok(reasons.has('awf_no_worse_than_legacy'), [...reasons].join(', '));
    const fallbackAlerts = run.alerts.filter((alert) => alert.slo === 'fallback_rate' && alert.atMs >= fault);
    assert.deepEqual(
      fallbackAlerts.map((alert) => [alert.kind, alert.reason ?? null]),
      [
        ['fired', null],
        ['resolved', 'recovered'],
      ],
    );
  });

  it('no traffic for 6 h in a stage: holds with reason no_traffic, no rollback', async () => {
    const run = await simulateScenario('no-traffic', { seed: 3, hours: 8 });
    const summary = summariseRun(run);
    const quietFrom = run.faultStartedAtMs as number;
    assert.equal(quietFrom, SIMULATION_START + HOUR);
    assert.deepEqual([summary.rollbacks, summary.pauses], [0, 0]);
    const quietHolds = holdsWithin(run, quietFrom + 60 * 60_000, quietFrom + 6 * HOUR);
    assert.ok(quietHolds.length > 0);
    assert.deepEqual([...new Set(quietHolds.map((decision) => decision.reason))], ['no_traffic']);
  });

  it('flapping (one minute of 10 % AWF fallbacks in a healthy stage): no rollback', async () => {
    const run = await simulateScenario('flapping', { seed: 4, hours: 14 });
    const summary = summariseRun(run);
    assert.equal(run.faultStartedAtMs, SIMULATION_START + 12 * HOUR);
    assert.deepEqual([summary.rollbacks, summary.pauses], [0, 0]);
    assert.equal(summary.finalPercent, 5);
  });

  it('slow degradation at 25 % (0.5 % → 3 % over a day): rolled back within 2 h after the true rate crosses 2 %, not before it crosses 1 %', async () => {
    const run = await simulateScenario('slow-degradation', { seed: 5, hours: 17 });
    const summary = summariseRun(run);
    const fault = run.faultStartedAtMs as number;
    // The true rate is 0.5 % + 2.5 % × t/24 h: 1 % at 4.8 h, 2 % at 14.4 h.
    const crossesOnePct = fault + 4.8 * HOUR;
    const crossesTwoPct = fault + 14.4 * HOUR;
    const rollback = run.decisions.find((decision) => decision.action === 'rollback');
    assert.ok(
      rollback,
      JSON.stringify(summariseDecisions(run.decisions).map(({ evidence: _e, ...row }) => row)),
    );
    const decidedAt = Date.parse(rollback.at);
    assert.ok(decidedAt >= crossesOnePct, `rolled back at ${rollback.at}, before the true rate crossed 1 %`);
    assert.ok(
      decidedAt <= crossesTwoPct + 2 * HOUR,
      `rolled back at ${rollback.at}, over 2 h after it crossed 2 %`,
    );
    assert.equal(summary.rollbacks, 1);
  });
});

// At the default cadence (SLOs over 5m evaluated every minute, the plan every minute): 50 400
// evaluations of each per run; alerts fire on the SLOs' lower confidence bounds (docs/slos.md).
describe('npm run simulate: a healthy rollout with 7-day bakes', { timeout: 30 * 60_000 }, () => {
  for (const rate of [1, 20]) {
    it(`at ${rate} turn(s)/s reaches 100 % after the bakes, completes after the fourth, 0 rollbacks, 0 pauses, and 7 more days at 100 % raise no alert`, async () => {
      let decommission: DecommissionReport | undefined;
      const run = await simulateScenario('healthy', { seed: 6, hours: 35 * 24, rate }, async (services) => {
        // The simulated operator ran the golden suite once, before the plan: the check asks for that one run.
        decommission = await services.decommission.check({ days: 7, goldenRuns: 1 });
      });
      const summary = summariseRun(run);
      assert.deepEqual([summary.rollbacks, summary.pauses, summary.finalPercent], [0, 0, 100]);
      const hundred = run.applied.find((change) => change.percent === 100);
      assert.ok(hundred, 'never reached 100 %');
      // Three 7-day bakes (5, 25, 50 %) before 100 %, a fourth before the plan completes.
      assert.ok(
        hundred.atMs >= SIMULATION_START + 21 * DAY,
        `100 % at ${new Date(hundred.atMs).toISOString()}`,
      );
      const completed = run.decisions.find((decision) => decision.reason === 'completed');
      assert.ok(completed, 'the plan did not complete');
      const completedAt = Date.parse(completed.at);
      // The bake counts from the step; the router applied it one poll interval (well under a second) later.
      assert.ok(
        completedAt >= hundred.atMs - 1_000 + 7 * DAY &&
          completedAt <= SIMULATION_START + 28 * DAY + 2 * HOUR,
        `100 % applied at ${new Date(hundred.atMs).toISOString()}, completed at ${completed.at}`,
      );
      assert.equal(summary.advances, 4);
      // Seven more days at 100 %: no SLO alert fires.
      assert.ok(run.endMs - completedAt >= 7 * DAY - 2 * HOUR, `completed at ${completed.at}`);
      assert.deepEqual(
        run.alerts.filter((alert) => alert.kind === 'fired' && alert.atMs >= completedAt),
        [],
      );
      // Then the decommission check is ready: every prerequisite holds, from the stored data alone.
      assert.ok(decommission, 'the decommission check did not run');
      assert.deepEqual(
        decommission.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.summary}`),
        [],
      );
      assert.equal(decommission.ready, true);
    });
  }
});
