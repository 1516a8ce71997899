import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../app/create-services.js';
import { parseConfig } from '../config/config.js';
import { controlPlaneFingerprint, seedActors } from '../rollout/testing/control-plane.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { buildApp } from './build-app.js';

for (const target of testDatabaseTargets()) {
  describe(`NUL characters in a request (${target.name})`, () => {
    let database: TestDatabase;
    let services: Services;
    let app: FastifyInstance;
    let operatorToken: string;
    before(async () => {
      database = await target.open();
      const env = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
      services = await createServices(parseConfig(env), { sloTimers: false, watchRollout: false });
      app = await buildApp({ services });
      operatorToken = (await seedActors(services.auth)).tokens.operator;
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

    const putOverride = (payload: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/admin/overrides/user/u',
        payload,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      });

    it('in an admin JSON body get a 400 naming where, and nothing is stored or audited', async () => {
      const before = await controlPlaneFingerprint(services.database);
      const response = await putOverride(JSON.stringify({ pipeline: 'awf', reason: 'qa\u0000x' }));
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error.code, 'INVALID_INPUT');
      assert.match(response.json().error.message, /^body\/reason contains a NUL character/);
      assert.deepEqual(await controlPlaneFingerprint(services.database), before);
    });
  });

  describe(`a deeply nested JSON body (${target.name})`, () => {
    let database: TestDatabase;
    let services: Services;
    let app: FastifyInstance;
    let operatorToken: string;
    const logLines: string[] = [];
    before(async () => {
      database = await target.open();
      const env = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
      services = await createServices(parseConfig(env), { sloTimers: false, watchRollout: false });
      app = await buildApp({
        services,
        logger: { level: 'warn', stream: { write: (line) => void logLines.push(line) } },
      });
      operatorToken = (await seedActors(services.auth)).tokens.operator;
    });
    after(async () => {
      await app.close();
      await services.close();
      await database.close();
    });

    /** `{"<field>": [[[ … ]]]}` with `levels` arrays: 4000 levels is about 8 kB. */
    const nested = (field: string, levels: number, extra: Record<string, unknown> = {}) =>
      `{${Object.entries(extra)
        .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)},`)
        .join('')}"${field}":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const tooDeep = /^body nests objects and arrays deeper than 64 levels/;

    it('on a player route gets a 400 INVALID_INPUT naming the limit, at any depth, and logs no error', async () => {
      const opening = await app.inject({ method: 'POST', url: '/api/sessions', payload: { seed: 1 } });
      const { sessionId } = opening.json();
      // 32 000 levels is the deepest body the 64 kB limit lets through.
      for (const levels of [65, 4000, 32_000]) {
        const response = await app.inject({
          method: 'POST',
          url: `/api/sessions/${sessionId}/turns`,
          payload: nested('input', levels),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(response.statusCode, 400, `${levels} levels`);
        assert.equal(response.json().error.code, 'INVALID_INPUT');
        assert.match(response.json().error.message, tooDeep);
      }
      const session = await app.inject({ method: 'GET', url: `/api/sessions/${sessionId}` });
      assert.equal(session.json().turnCount, 0);
      const errors = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50);
      assert.deepEqual(errors, []);
    });

    it("at the limit is left to the route schema (64 levels are not the guard's business)", async () => {
      const opening = await app.inject({ method: 'POST', url: '/api/sessions', payload: { seed: 1 } });
      const response = await app.inject({
        method: 'POST',
        url: `/api/sessions/${opening.json().sessionId}/turns`,
        payload: nested('input', 63),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.statusCode, 400);
      assert.doesNotMatch(response.json().error.message, tooDeep);
    });

    it('on an admin route gets a 400 INVALID_INPUT naming the limit, and nothing is stored', async () => {
      const before = await controlPlaneFingerprint(services.database);
      const response = await putOverride(nested('reason', 4000, { pipeline: 'awf' }));
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error.code, 'INVALID_INPUT');
      assert.match(response.json().error.message, tooDeep);
      assert.deepEqual(await controlPlaneFingerprint(services.database), before);
    });

    const putOverride = (payload: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/admin/overrides/user/u',
        payload,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      });
  });
}
