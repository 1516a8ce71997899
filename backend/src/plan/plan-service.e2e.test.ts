import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestServices } from '../app/testing/test-services.js';
import { PASSED_SCENARIO, storeGoldenRun } from '../golden-runs/testing/golden-run-fixtures.js';
import { codeVersion } from '../shared/code-version.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';
import { openPlanTestBed, type PlanTestBed } from './testing/plan-test-bed.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const MINUTE = 60_000;

for (const target of testDatabaseTargets()) {
  describe(`the staged plan on ${target.name}`, () => {
    let services: TestServices;
    let bed: PlanTestBed;
    let now = T0;

    /** `count` AWF turns (each a new session routed by the bucket) and the legacy ones beside them. */
    const feed = (awf: number, legacy: number, fallbacks = 0) => {
      for (let i = 0; i < awf; i++) {
        services.slos.recordTurn(
          {
            pipeline: 'awf',
            latencyMs: 900,
            retried: false,
            fallback: i < fallbacks,
            newBucketedSession: true,
          },
          now,
        );
      }
      for (let i = 0; i < legacy; i++) {
        services.slos.recordTurn(
          { pipeline: 'legacy', latencyMs: 700, retried: false, fallback: false, newBucketedSession: true },
          now,
        );
      }
    };

    before(async () => {
      bed = await openPlanTestBed(target, { clock: () => new Date(now) });
      services = bed.services;
      // A passing full golden verify run on the served content and code: the goldens gate passes.
      await storeGoldenRun(bed.database.db, {
        runId: 'golden-run-1',
        contentHash: services.content.hash,
        codeVersion: codeVersion(),
        startedAt: new Date(T0 - MINUTE).toISOString(),
        results: [PASSED_SCENARIO],
      });
    });
    after(async () => {
      await bed?.close();
    });

    it('start applies the first stage, and a healthy stage advances after its bake and sample with one audit entry', async () => {
      const view = await services.plan.service.start({
        stages: [5, 25],
        bakeMs: 2 * MINUTE,
        minSample: 50,
        actor: 'alice',
      });
      assert.equal(view.state, 'running');
      assert.equal((await services.rollout.readState()).percent, 5);

      feed(40, 760);
      now += MINUTE;
      const early = await services.plan.controller.evaluateOnce();
      assert.equal(early?.action, 'hold');
      assert.equal(early?.reason, 'min_sample');

      // Zero fallbacks in 440 turns: the upper 95 % bound (≈ 0.86 %) is below the 1 % threshold.
      feed(200, 3800);
      now += MINUTE;
      feed(200, 3800);
      now += MINUTE;
      const advanced = await services.plan.controller.evaluateOnce();
      assert.equal(advanced?.action, 'advance', JSON.stringify(advanced?.evidence?.gates));
      assert.equal((await services.rollout.readState()).percent, 25);
      const entries = await services.audit.query({ action: 'plan.advanced' });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.details.decisionId, advanced?.id);
      const replay = await services.plan.service.replay(advanced?.id as string);
      assert.equal(replay.agrees, true, JSON.stringify(replay));
    });

    it('a manual percent while the plan runs is refused with PLAN_RUNNING, and force pauses the plan', async () => {
      const alice = { actor: 'alice', role: 'operator' as const, tokenId: null };
      await assert.rejects(services.rollout.setPercent(alice, 50), { code: 'PLAN_RUNNING' });
      assert.equal((await services.rollout.readState()).percent, 25);
      await services.rollout.setPercent(alice, 10, { force: true, reason: 'hand-tuning' });
      const status = await services.plan.service.status();
      assert.equal(status.plan?.state, 'paused');
      assert.equal((await services.rollout.readState()).percent, 10);
      assert.equal((await services.audit.query({ action: 'plan.paused' })).length, 1);
      await services.plan.service.abort({ actor: 'alice' });
    });

    it('a bad canary is rolled back at once on a confirmed critical breach, and replay agrees', async () => {
      await services.plan.service.start({
        stages: [5, 25, 50],
        bakeMs: 60 * MINUTE,
        minSample: 50,
        actor: 'alice',
      });
      now += MINUTE;
      feed(60, 1140, 12);
      now += MINUTE;
      const decision = await services.plan.controller.evaluateOnce();
      assert.equal(decision?.action, 'rollback');
      assert.equal(decision?.reason, 'gate_failed:fallback_rate');
      assert.equal((await services.rollout.readState()).percent, 0);
      assert.equal((await services.plan.service.status()).plan?.state, 'rolled_back');
      const replay = await services.plan.service.replay(decision?.id as string);
      assert.equal(replay.agrees, true);
      assert.equal(await services.plan.controller.evaluateOnce(), undefined);
    });
    it('no traffic for 6 hours holds with no_traffic, audited once, and never rolls back', async () => {
      await services.plan.service.start({
        stages: [5, 25],
        bakeMs: 60 * MINUTE,
        minSample: 50,
        actor: 'alice',
      });
      const reasons = new Set<string>();
      for (let step = 0; step < 36; step++) {
        now += 10 * MINUTE;
        const decision = await services.plan.controller.evaluateOnce();
        reasons.add(`${decision?.action}:${decision?.reason}`);
      }
      assert.deepEqual([...reasons], ['hold:no_traffic']);
      const plan = (await services.plan.service.status()).plan;
      assert.equal(plan?.state, 'running');
      assert.equal((await services.rollout.readState()).percent, 5);
      const held = await services.audit.query({ action: 'plan.held', entity: `plan:${plan?.id}` });
      assert.equal(held.length, 1);
      assert.equal(held[0]?.details.reason, 'no_traffic');
      await services.plan.service.abort({ actor: 'alice' });
    });

    it('a failing retry rate steps back to the previous stage only on the third failing evaluation in a row', async () => {
      await services.plan.service.start({
        stages: [5, 25, 50],
        bakeMs: 2 * MINUTE,
        minSample: 50,
        onFailure: 'previous',
        actor: 'alice',
      });
      for (let minute = 0; minute < 3; minute++) {
        feed(200, 3800);
        now += MINUTE;
      }
      assert.equal((await services.plan.controller.evaluateOnce())?.action, 'advance');
      assert.equal((await services.rollout.readState()).percent, 25);
      const actions: string[] = [];
      for (let evaluation = 0; evaluation < 3; evaluation++) {
        for (let i = 0; i < 400; i++) {
          services.slos.recordTurn(
            { pipeline: 'awf', latencyMs: 900, retried: i < 120, fallback: false },
            now,
          );
        }
        feed(0, 1200);
        now += MINUTE;
        const decision = await services.plan.controller.evaluateOnce();
        actions.push(`${decision?.action}:${decision?.reason}`);
      }
      assert.deepEqual(actions, [
        'hold:gate_failing:invalid_retry_rate',
        'hold:gate_failing:invalid_retry_rate',
        'previous:gate_failed:invalid_retry_rate',
      ]);
      assert.equal((await services.rollout.readState()).percent, 5);
      const plan = (await services.plan.service.status()).plan;
      assert.deepEqual([plan?.state, plan?.currentStage], ['running', 0]);
      assert.equal(
        (await services.audit.query({ action: 'plan.previous', entity: `plan:${plan?.id}` })).length,
        1,
      );
      assert.equal(
        (await services.audit.query({ action: 'plan.held', entity: `plan:${plan?.id}` })).length,
        1,
      );
      await services.plan.service.abort({ actor: 'alice' });
    });

    it('a provider outage that hits both pipelines alike holds (awf_no_worse_than_legacy), never rolls back', async () => {
      await services.plan.service.start({
        stages: [5, 25],
        bakeMs: 60 * MINUTE,
        minSample: 50,
        actor: 'alice',
      });
      feed(200, 3800);
      now += MINUTE;
      const reasons = new Set<string>();
      for (let minute = 0; minute < 5; minute++) {
        for (let i = 0; i < 200; i++) {
          services.slos.recordTurn(
            { pipeline: 'awf', latencyMs: 900, retried: false, fallback: true, failed: true },
            now,
          );
        }
        for (let i = 0; i < 3800; i++) {
          services.slos.recordTurn(
            { pipeline: 'legacy', latencyMs: 900, retried: false, fallback: false, failed: true },
            now,
          );
        }
        now += MINUTE;
        const decision = await services.plan.controller.evaluateOnce();
        reasons.add(`${decision?.action}:${decision?.reason}`);
      }
      assert.deepEqual([...reasons], ['hold:awf_no_worse_than_legacy']);
      assert.equal((await services.plan.service.status()).plan?.state, 'running');
      await services.plan.service.abort({ actor: 'alice' });
    });

    it('new sessions split away from the target hold the plan with sample_ratio_mismatch', async () => {
      await services.plan.service.start({ stages: [5, 25], bakeMs: MINUTE, minSample: 50, actor: 'alice' });
      // 20 % of new sessions on AWF against a 5 % target.
      feed(800, 3200);
      now += MINUTE;
      feed(800, 3200);
      now += MINUTE;
      const decision = await services.plan.controller.evaluateOnce();
      assert.deepEqual([decision?.action, decision?.reason], ['hold', 'sample_ratio_mismatch']);
      const { gates } = (decision?.evidence ?? { gates: [] }) as {
        gates: Array<{ name: string; evidence: { pValue: number } }>;
      };
      assert.ok((gates.find((gate) => gate.name === 'sample_ratio')?.evidence.pValue as number) < 0.001);
      // Replay re-reads the same minutes and re-derives the sequential test's verdict.
      const replay = await services.plan.service.replay(decision?.id as string);
      assert.equal(replay.agrees, true, JSON.stringify(replay));
      await services.plan.service.abort({ actor: 'alice' });
    });
    it('starts with the shadow stage only when a shadow rate is set, routing nobody to AWF there', async () => {
      await assert.rejects(services.plan.service.start({ stages: ['shadow', 5], actor: 'alice' }), {
        code: 'INVALID_INPUT',
      });
      const alice = { actor: 'alice', role: 'operator' as const, tokenId: null };
      await services.rollout.setShadow(alice, 10);
      const view = await services.plan.service.start({ actor: 'alice' });
      assert.deepEqual(
        view.stages.map((stage) => stage.percent),
        ['shadow', 5, 25, 50, 100],
      );
      assert.equal(view.stages[0]?.bakeMs, 7 * 24 * 3600 * 1000);
      // The default minimum sample: enough turns to tell 2 % from 1 % (the fallback threshold).
      assert.ok(view.sample.required > 1000, String(view.sample.required));
      assert.equal((await services.rollout.readState()).percent, 0);
      now += MINUTE;
      const decision = await services.plan.controller.evaluateOnce();
      assert.deepEqual(
        [decision?.stagePercent, decision?.action, decision?.reason],
        ['shadow', 'hold', 'no_traffic'],
      );
      await services.plan.service.abort({ actor: 'alice' });
      await services.rollout.setShadow(alice, 0);
    });
  });
}
