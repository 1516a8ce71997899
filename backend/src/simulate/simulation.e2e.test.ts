import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { SCENARIOS } from './scenarios.js';
import { runSimulation, type SimDecision, type SimulationRun } from './simulation.js';

const START = Date.parse('2026-01-05T00:00:00.000Z');
const POLL_MS = 250;

/**
 * The harness itself, driven by a scripted controller (the plan's own decisions are tested in
 * scenarios.e2e.test.ts): it raises to 5 % at the first evaluation and rolls back at the fourth, through
 * the real rollout service, so routing, recording, SLO alerts and timing can be checked on their own.
 */
async function scriptedRun(
  seed: number,
  minutes: number,
): Promise<{ run: SimulationRun; services: TestServices }> {
  let now = START;
  const services = await createTestServices(
    {},
    { clock: () => new Date(now), sloTimers: false, watchRollout: false, auditTimers: false, log: quiet },
  );
  const admin = await services.auth.addFirstAdmin({ name: 'scripted-operator', via: 'cli' });
  const operator = { actor: admin.actor, role: admin.role, tokenId: admin.tokenId };
  let evaluations = 0;
  const run = await runSimulation(
    {
      slos: services.slos,
      rolloutState: services.rolloutState,
      router: services.router,
      async evaluatePlan(): Promise<SimDecision> {
        evaluations += 1;
        const action = evaluations === 1 ? 'advance' : evaluations === 4 ? 'rollback' : 'hold';
        if (action !== 'hold')
          await services.rollout.setRollout(operator, { percent: action === 'advance' ? 5 : 0 });
        return {
          id: String(evaluations),
          at: new Date(now).toISOString(),
          stage: 0,
          stagePercent: 5,
          action,
          reason: 'scripted',
          evidence: {},
        };
      },
      operators: {
        startPlan: async () => {
          await services.rollout.setRollout(operator, { globalEnabled: true, percent: 0 });
        },
        approve: async () => {},
      },
      intervals: { sloEvaluationMs: 60_000, planEvaluationMs: 60_000, rolloutPollMs: POLL_MS },
      fallbackThresholdPct: 1,
    },
    {
      scenario: SCENARIOS['bad-canary'],
      seed,
      ratePerSecond: 20,
      durationMs: minutes * 60_000,
      startMs: START,
      setClock: (ms) => {
        now = ms;
      },
    },
  );
  return { run, services };
}

const quiet = { info: () => {}, warn: () => {}, error: (line: string) => console.error(line) };

describe('runSimulation()', () => {
  it('routes by the real router, records every turn into the real SLO store, and times what the router applied', async () => {
    const { run, services } = await scriptedRun(7, 20);
    try {
      // 20 turns/s for 20 minutes, every one recorded once.
      assert.equal(run.turns.awf + run.turns.legacy, 20 * 20 * 60);
      const stored = await services.slos.status('1h');
      assert.equal(stored.awf.turns, run.turns.awf);
      assert.equal(stored.legacy.turns, run.turns.legacy);
      assert.equal(
        stored.awf.fallbacks,
        run.minutes.awfFallbacks.reduce((sum, n) => sum + n, 0),
      );
      assert.equal(stored.awf.latencyP95Ms !== null, true);
      // The router picks a change up one poll interval after the evaluation that made it.
      assert.deepEqual(
        run.applied.map((change) => [change.atMs - START, change.percent]),
        [
          [0, 0],
          [60_000 + POLL_MS, 5],
          [240_000 + POLL_MS, 0],
        ],
      );
      assert.equal(run.faultStartedAtMs, START + 60_000 + POLL_MS);
      // AWF turns only while 5 % applied: minutes 1–3 (and possibly the first second of minute 4), none after.
      const awfMinutes = Array.from(run.minutes.awfTurns);
      assert.deepEqual(
        awfMinutes.slice(0, 4).map((n) => n > 0),
        [false, true, true, true],
      );
      assert.ok(awfMinutes.slice(5).every((n) => n === 0));
      // About 1 AWF turn/s at 5 % of 20/s: 180 s of 5 % within its 99.9 % binomial range of 180.
      assert.ok(
        Math.abs(run.turns.awf - 180) <= 3.29 * Math.sqrt(3600 * 0.05 * 0.95) + 5,
        `awf ${run.turns.awf}`,
      );
      // The fallback-rate alert fired on the 20 % canary, and resolved when the rollback routed nobody to AWF.
      assert.deepEqual(
        run.alerts
          .filter((alert) => alert.slo === 'fallback_rate')
          .map((alert) => [alert.kind, alert.reason]),
        [
          ['fired', undefined],
          ['resolved', 'rolled_back'],
        ],
      );
    } finally {
      await services.dispose();
    }
  });

  it('repeats itself for a seed, and draws differently for another', async () => {
    const runs = [];
    for (const seed of [3, 3, 4]) {
      const { run, services } = await scriptedRun(seed, 5);
      await services.dispose();
      runs.push([run.turns.awf, Array.from(run.minutes.awfFallbacks).join(',')]);
    }
    assert.deepEqual(runs[0], runs[1]);
    assert.notDeepEqual(runs[0], runs[2]);
  });
});
