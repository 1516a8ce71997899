import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  describe(`audit admin API (${target.name})`, () => {
    let api: AdminApi;
    before(async () => {
      api = await startAdminApi(target);
    });
    after(async () => {
      await api.close();
    });
    const call: AdminApi['call'] = (...args) => api.call(...args);

    describe('audit', () => {
      it('lets an auditor query with filters, export NDJSON, verify and checkpoint', async () => {
        assert.equal(
          (await call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 5 })).statusCode,
          200,
        );
        const override = await call('PUT', '/api/admin/overrides/user/u-1', 'operator', { pipeline: 'awf' });
        assert.equal(override.statusCode, 200);
        const list = await call('GET', '/api/admin/audit?actor=ops-1&action=rollout.*&limit=5', 'auditor');
        assert.equal(list.statusCode, 200);
        assert.ok(list.json().length > 0);
        assert.ok(list.json().every((entry: { actor: string }) => entry.actor === 'ops-1'));
        const exported = await call('GET', '/api/admin/audit/export?action=override.*', 'auditor');
        assert.match(String(exported.headers['content-type']), /application\/x-ndjson/);
        const lines = exported.body.trim().split('\n');
        assert.ok(
          lines.every((line) => (JSON.parse(line) as { action: string }).action.startsWith('override.')),
        );
        const verify = (await call('GET', '/api/admin/audit/verify', 'auditor')).json();
        assert.equal(verify.ok, true);
        const checkpoint = await call('POST', '/api/admin/audit/checkpoints', 'auditor');
        assert.equal(checkpoint.statusCode, 201);
        assert.equal(checkpoint.json().createdBy, 'auditor-1');
        assert.equal((await call('GET', '/api/admin/audit?limit=0', 'auditor')).statusCode, 400);
        assert.equal((await call('GET', '/api/admin/audit?bogus=1', 'auditor')).statusCode, 400);
      });
    });
  });
}
