import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAdminApi } from '../app/testing/admin-api.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  describe(`the plan admin API (${target.name})`, () => {
    it('starts, shows, refuses bad bodies and a manual percent with a code, approves only by a second actor, and replays', async () => {
      const api = await startAdminApi(target);
      try {
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan', 'operator', { stages: [25, 5] }),
          400,
          'INVALID_INPUT',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan', 'operator', { bake: 'soon' }),
          400,
          'INVALID_INPUT',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan', 'operator', { runGoldens: 'yes' }),
          400,
          'INVALID_INPUT',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan', 'operator', { onFailure: 'explode' }),
          400,
          'INVALID_INPUT',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan', 'viewer', {}),
          403,
          'AUTH_FORBIDDEN',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan/resume', 'operator'),
          404,
          'PLAN_NOT_FOUND',
        );

        const started = await api.call('POST', '/api/admin/plan', 'operator', {
          stages: [5, 100],
          bake: '30s',
          minSample: 10,
          runGoldens: false,
        });
        assert.equal(started.statusCode, 201, started.body);
        const plan = started.json().plan;
        assert.equal(plan.runGoldens, false);
        assert.deepEqual([plan.state, plan.currentStage, plan.stages[1].approval], ['running', 0, true]);
        assert.equal(plan.sample.required, 10);
        assert.ok(plan.gates.some((gate: { name: string }) => gate.name === 'sample_ratio'));

        const shown = await api.call('GET', '/api/admin/plan', 'viewer');
        assert.equal(shown.statusCode, 200);
        assert.equal(shown.json().plan.id, plan.id);

        await api.expectRejected(
          () => api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 50 }),
          409,
          'PLAN_RUNNING',
        );
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan/approve', 'operator'),
          403,
          'PLAN_APPROVAL_BY_STARTER',
        );
        await api.expectRejected(() => api.call('POST', '/api/admin/plan', 'admin', {}), 409, 'PLAN_ACTIVE');
        await api.expectRejected(
          () => api.call('POST', '/api/admin/plan/pause', 'operator', {}),
          400,
          'INVALID_INPUT',
        );

        const approved = await api.call('POST', '/api/admin/plan/approve', 'admin');
        assert.equal(approved.statusCode, 200, approved.body);
        assert.equal(approved.json().plan.approval.approvedBy, 'admin');

        const decision = await api.services.plan.controller.evaluateOnce();
        assert.equal(decision?.action, 'hold');
        const decisions = await api.call('GET', '/api/admin/plan/decisions?limit=5', 'viewer');
        assert.equal(decisions.statusCode, 200, decisions.body);
        assert.equal(decisions.json().decisions[0].id, decision?.id);
        const replay = await api.call('GET', `/api/admin/plan/decisions/${decision?.id}/replay`, 'viewer');
        assert.equal(replay.statusCode, 200, replay.body);
        assert.equal(replay.json().agrees, true);
        await api.expectRejected(
          () => api.call('GET', '/api/admin/plan/decisions/nope/replay', 'viewer'),
          404,
          'PLAN_DECISION_NOT_FOUND',
        );

        const paused = await api.call('POST', '/api/admin/plan/pause', 'operator', { reason: 'lunch' });
        assert.equal(paused.json().plan.state, 'paused');
        // A paused plan no longer stands in the way of a manual percentage.
        assert.equal(
          (await api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 10 })).statusCode,
          200,
        );
        const resumed = await api.call('POST', '/api/admin/plan/resume', 'operator');
        assert.equal(resumed.json().plan.state, 'running');
        assert.equal((await api.services.rollout.readState()).percent, 5);
        const aborted = await api.call('POST', '/api/admin/plan/abort', 'operator', { reason: 'done here' });
        assert.equal(aborted.json().plan.state, 'aborted');
        const actions = (await api.services.audit.query({ action: 'plan.*', order: 'asc' })).map(
          (e) => e.action,
        );
        assert.deepEqual(actions, [
          'plan.started',
          'plan.approved',
          'plan.held',
          'plan.paused',
          'plan.resumed',
          'plan.aborted',
        ]);
      } finally {
        await api.close();
      }
    });
  });
}
