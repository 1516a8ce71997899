import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../app/create-services.js';
import { parseConfig } from '../config/config.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { buildApp } from './build-app.js';

for (const target of testDatabaseTargets()) {
  describe(`NUL characters in a request (${target.name})`, () => {
    let database: TestDatabase;
    let services: Services;
    let app: FastifyInstance;
    before(async () => {
      database = await target.open();
      const env = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
      services = await createServices(parseConfig(env), { sloTimers: false, watchRollout: false });
      app = await buildApp({ services });
    });
    after(async () => {
      await app.close();
      await services.close();
      await database.close();
    });

    it('get a 400 naming where, on every store alike, and change nothing', async () => {
      const opening = await app.inject({ method: 'POST', url: '/api/sessions', payload: { seed: 1 } });
      const { sessionId } = opening.json();
      const turn = await app.inject({
        method: 'POST',
        url: `/api/sessions/${sessionId}/turns`,
        payload: { input: 'look\u0000around' },
      });
      assert.equal(turn.statusCode, 400);
      assert.match(turn.json().error.message, /^body\/input contains a NUL character/);
      const session = await app.inject({ method: 'GET', url: `/api/sessions/${sessionId}` });
      assert.equal(session.json().turnCount, 0);
    });

    it('in an admin query string get a 400 before authentication is even tried', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/admin/audit?actor=a%00b' });
      assert.equal(response.statusCode, 400);
      assert.match(response.json().error.message, /URL contains a NUL/);
    });
  });
}
