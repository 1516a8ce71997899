import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../app/create-services.js';
import { parseConfig } from '../config/config.js';
import { buildApp } from '../server/build-app.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { controlPlaneFingerprint, seedActors } from './testing/control-plane.js';

for (const target of testDatabaseTargets()) {
  describe(`a rollout percent over HTTP with more than two decimals (${target.name})`, () => {
    let database: TestDatabase;
    let services: Services;
    let app: FastifyInstance;
    let operatorToken: string;
    before(async () => {
      database = await target.open();
      const env = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
      services = await createServices(parseConfig({ ...env, AWF_CHANGE_RATE_LIMIT: '1000' }), {
        sloTimers: false,
        watchRollout: false,
      });
      app = await buildApp({ services });
      operatorToken = (await seedActors(services.auth)).tokens.operator;
    });
    after(async () => {
      await app.close();
      await services.close();
      await database.close();
    });

    const put = (url: string, payload: string) =>
      app.inject({
        method: 'PUT',
        url,
        payload,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      });

    // The bodies are sent as text: JSON.stringify would not change these numbers, but the text is the point.
    for (const [url, body] of [
      ['/api/admin/rollout/percent', '{"percent": 25.000000001}'],
      ['/api/admin/rollout', '{"percent": 25.000000001}'],
      ['/api/admin/rollout', '{"globalEnabled": true, "percent": 12.345}'],
      ['/api/admin/rollout/percent', '{"percent": 0.001}'],
    ] as const) {
      it(`PUT ${url} ${body} → 400 ROLLOUT_INVALID_PERCENT, nothing stored, no audit entry`, async () => {
        const fingerprint = await controlPlaneFingerprint(services.database);
        const head = (await services.audit.head())?.seq ?? 0;
        const response = await put(url, body);
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error.code, 'ROLLOUT_INVALID_PERCENT');
        assert.deepEqual(await controlPlaneFingerprint(services.database), fingerprint);
        assert.equal((await services.audit.head())?.seq ?? 0, head);
      });
    }

    it('PUT /api/admin/rollout/percent {"percent": 25.10} still stores 25.1 with one audit entry', async () => {
      const head = (await services.audit.head())?.seq ?? 0;
      const response = await put('/api/admin/rollout/percent', '{"percent": 25.10}');
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().new, 25.1);
      const entries = await services.audit.getRecentLogs(1);
      assert.equal(entries[0]?.action, 'rollout.percent.set');
      assert.equal(entries[0]?.seq, head + 1);
    });
  });
}
