import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestServices } from '../app/testing/test-services.js';
import { codeVersion } from '../shared/code-version.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import type { GateResult, PlanDecision } from './plan-types.js';
import { openPlanTestBed, type PlanTestBed } from './testing/plan-test-bed.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const MINUTE = 60_000;

function goldensGateOf(decision: PlanDecision | undefined): GateResult {
  const gates = (decision?.evidence.gates ?? []) as GateResult[];
  const gate = gates.find((entry) => entry.name === 'goldens');
  assert.ok(gate, 'the decision records the goldens gate');
  return gate;
}

for (const target of testDatabaseTargets()) {
  describe(`the plan's own golden runs (--run-goldens) on ${target.name}`, () => {
    let database: TestDatabase;
    let services: TestServices;
    let bed: PlanTestBed;
    let now = T0;
    const lines: string[] = [];

    const storedRuns = () =>
      database.db
        .selectFrom('golden_runs')
        .select(['run_id', 'source', 'code_version', 'content_hash', 'mode', 'full_run'])
        .distinct()
        .execute();

    before(async () => {
      bed = await openPlanTestBed(target, {
        clock: () => new Date(now),
        log: { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) },
      });
      ({ database, services } = bed);
    });
    after(async () => {
      await bed?.close();
    });

    it('without the flag the goldens gate holds goldens_missing and the controller runs nothing', async () => {
      const view = await services.plan.service.start({ stages: [5, 25], actor: 'alice' });
      assert.equal(view.runGoldens, false);
      now += MINUTE;
      const decision = await services.plan.controller.evaluateOnce();
      const gate = goldensGateOf(decision);
      assert.equal(gate.status, 'hold');
      assert.equal(gate.reason, 'goldens_missing');
      await services.plan.controller.goldensSettled();
      assert.deepEqual(await storedRuns(), []);
      await services.plan.service.abort({ actor: 'alice' });
    });

    it('with the flag the controller runs the suite once, stores it, and the next evaluation passes on its run id', async () => {
      const view = await services.plan.service.start({ stages: [5, 25], runGoldens: true, actor: 'alice' });
      assert.equal(view.runGoldens, true);
      now += MINUTE;
      const first = goldensGateOf(await services.plan.controller.evaluateOnce());
      assert.equal(first.reason, 'goldens_running');
      const running = first.evidence.controllerRun as { state: string; pid: number; startedAt: string };
      assert.equal(running.state, 'running');
      assert.ok(running.pid > 0);

      // A second evaluation while the run is in flight holds on the same run and starts no other.
      now += MINUTE;
      const second = goldensGateOf(await services.plan.controller.evaluateOnce());
      assert.equal(second.reason, 'goldens_running');
      assert.deepEqual(second.evidence.controllerRun, first.evidence.controllerRun);
      assert.equal(lines.filter((line) => line.includes('running the golden suite')).length, 1);

      await services.plan.controller.goldensSettled();
      const runs = await storedRuns();
      assert.equal(runs.length, 1, JSON.stringify(runs));
      const [run] = runs;
      assert.equal(run?.source, 'plan-controller');
      assert.equal(run?.code_version, codeVersion());
      assert.equal(run?.content_hash, services.content.hash);
      assert.equal(run?.mode, 'verify');
      assert.equal(Number(run?.full_run), 1);

      now += MINUTE;
      const judged = await services.plan.controller.evaluateOnce();
      const gate = goldensGateOf(judged);
      assert.equal(gate.status, 'pass', gate.summary);
      assert.equal(gate.evidence.runId, run?.run_id);
      assert.equal(gate.evidence.ranByController, true);
      assert.equal(gate.evidence.codeVersion, codeVersion());
      // A run on this content and code exists now: no second run is started.
      await services.plan.controller.goldensSettled();
      assert.equal((await storedRuns()).length, 1);
      assert.equal(lines.filter((line) => line.includes('running the golden suite')).length, 1);
      await services.plan.service.abort({ actor: 'alice' });
    });
  });
}
