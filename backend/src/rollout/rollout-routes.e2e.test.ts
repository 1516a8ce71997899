import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { buildApp } from '../server/build-app.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  describe(`rollout admin API (${target.name})`, () => {
    let api: AdminApi;
    let services: TestServices;
    before(async () => {
      api = await startAdminApi(target);
      ({ services } = api);
    });
    after(async () => {
      await api.close();
    });
    const call: AdminApi['call'] = (...args) => api.call(...args);
    const headSeq = () => api.headSeq();
    const expectRejected: AdminApi['expectRejected'] = (...args) => api.expectRejected(...args);

    describe('rollout', () => {
      it('GET /api/admin/rollout shows the status to any role', async () => {
        const response = await call('GET', '/api/admin/rollout', 'viewer');
        assert.equal(response.statusCode, 200);
        assert.equal(response.json().effective.percent.source, 'default');
      });

      it('PUT /api/admin/rollout/percent and /global-flag change the stored values with one entry each', async () => {
        const percent = await call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 12.5 });
        assert.equal(percent.statusCode, 200, percent.body);
        assert.deepEqual([percent.json().previous, percent.json().new], [null, 12.5]);
        const flag = await call('PUT', '/api/admin/rollout/global-flag', 'admin', { enabled: true });
        assert.equal(flag.statusCode, 200);
        const recent = await services.audit.getRecentLogs(2);
        assert.deepEqual(
          recent.map((entry) => [entry.actor, entry.action]),
          [
            ['admin', 'rollout.flag.set'],
            ['ops-1', 'rollout.percent.set'],
          ],
        );
        const status = (await call('GET', '/api/admin/rollout', 'viewer')).json();
        assert.deepEqual(
          [status.effective.percent.value, status.effective.globalEnabled.value],
          [12.5, true],
        );
      });

      for (const [what, body, code] of [
        ['150', { percent: 150 }, 'ROLLOUT_INVALID_PERCENT'],
        ['-1', { percent: -1 }, 'ROLLOUT_INVALID_PERCENT'],
        ['three decimals', { percent: 1.234 }, 'ROLLOUT_INVALID_PERCENT'],
        ['a string', { percent: 'abc' }, 'INVALID_INPUT'],
        ['no percent', {}, 'INVALID_INPUT'],
        ['an unknown field', { percent: 5, extra: 1 }, 'INVALID_INPUT'],
      ] as const) {
        it(`refuses ${what} with 400 ${code}, changing nothing`, async () => {
          const denied = await expectRejected(
            () => call('PUT', '/api/admin/rollout/percent', 'operator', body),
            400,
            code,
          );
          assert.deepEqual(denied, []);
        });
      }

      it('PUT /api/admin/rollout sets the flag and the percent as one change with one entry', async () => {
        const start = await call('PUT', '/api/admin/rollout', 'admin', {
          globalEnabled: true,
          percent: 12.5,
        });
        assert.equal(start.statusCode, 200, start.body);
        const seq = await headSeq();
        const both = await call('PUT', '/api/admin/rollout', 'operator', {
          globalEnabled: false,
          percent: 30,
        });
        assert.equal(both.statusCode, 200, both.body);
        assert.deepEqual(
          [both.json().previous, both.json().new],
          [
            { globalEnabled: true, percent: 12.5 },
            { globalEnabled: false, percent: 30 },
          ],
        );
        const entries = await services.audit.query({ afterSeq: seq });
        assert.deepEqual(
          entries.map((entry) => [entry.actor, entry.action, entry.details.new]),
          [['ops-1', 'rollout.set', { globalEnabled: false, percent: 30 }]],
        );
        for (const [body, code] of [
          [{ globalEnabled: true, percent: 150 }, 'ROLLOUT_INVALID_PERCENT'],
          [{ globalEnabled: 'yes', percent: 5 }, 'INVALID_INPUT'],
          [{}, 'INVALID_INPUT'],
        ] as const) {
          await expectRejected(() => call('PUT', '/api/admin/rollout', 'operator', body), 400, code);
        }
        await call('PUT', '/api/admin/rollout', 'operator', { globalEnabled: true, percent: 12.5 });
      });

      it('PUT /api/admin/rollout/shadow sets the shadow rate with one rollout.shadow.set entry; GET shows it', async () => {
        const response = await call('PUT', '/api/admin/rollout/shadow', 'operator', { percent: 10 });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json().new, 10);
        const [entry] = await services.audit.getRecentLogs(1);
        assert.deepEqual([entry?.actor, entry?.action], ['ops-1', 'rollout.shadow.set']);
        assert.equal((await call('GET', '/api/admin/rollout', 'viewer')).json().effective.shadowPercent, 10);
        for (const [body, code] of [
          [{ percent: 100.01 }, 'ROLLOUT_INVALID_PERCENT'],
          [{ percent: 'ten' }, 'INVALID_INPUT'],
        ] as const) {
          const denied = await expectRejected(
            () => call('PUT', '/api/admin/rollout/shadow', 'operator', body),
            400,
            code,
          );
          assert.deepEqual(denied, []);
        }
        const viewer = await expectRejected(
          () => call('PUT', '/api/admin/rollout/shadow', 'viewer', { percent: 5 }),
          403,
          'AUTH_FORBIDDEN',
        );
        assert.equal(viewer.length, 1);
      });

      it('GET /api/admin/rollout/distribution reads the stored turns', async () => {
        const response = await call('GET', '/api/admin/rollout/distribution?since=1h', 'viewer');
        assert.equal(response.statusCode, 200);
        assert.equal(response.json().histogram.length, 20);
        const bad = await call('GET', '/api/admin/rollout/distribution?since=yesterday', 'viewer');
        assert.equal(bad.statusCode, 400);
      });
    });

    describe('overrides', () => {
      it('PUT sets one, GET lists it, DELETE clears it; DELETE /overrides clears all', async () => {
        const set = await call('PUT', '/api/admin/overrides/user/user-123', 'operator', {
          pipeline: 'awf',
          ttl: '24h',
          reason: 'beta',
        });
        assert.equal(set.statusCode, 200, set.body);
        assert.equal(set.json().new.pipeline, 'awf');
        await call('PUT', '/api/admin/overrides/session/session-456', 'operator', { pipeline: 'legacy' });
        const listed = (await call('GET', '/api/admin/overrides', 'viewer')).json();
        assert.deepEqual(
          listed.map((o: { kind: string; subjectId: string; state: string }) => [
            o.kind,
            o.subjectId,
            o.state,
          ]),
          [
            ['session', 'session-456', 'active'],
            ['user', 'user-123', 'active'],
          ],
        );
        assert.equal(
          (await call('DELETE', '/api/admin/overrides/user/user-123', 'operator')).statusCode,
          200,
        );
        const all = await call('DELETE', '/api/admin/overrides', 'admin');
        assert.equal(all.json().previous.length, 1);
        assert.deepEqual((await call('GET', '/api/admin/overrides', 'viewer')).json(), []);
      });

      it('refuses a past expiry, both ttl and expiresAt, a bad kind or id, and a missing override', async () => {
        const url = '/api/admin/overrides/user/u-1';
        await expectRejected(
          () => call('PUT', url, 'operator', { pipeline: 'awf', expiresAt: '2020-01-01T00:00:00Z' }),
          400,
          'OVERRIDE_EXPIRY_IN_PAST',
        );
        await expectRejected(
          () =>
            call('PUT', url, 'operator', { pipeline: 'awf', ttl: '1h', expiresAt: '2099-01-01T00:00:00Z' }),
          400,
          'INVALID_INPUT',
        );
        await expectRejected(
          () => call('PUT', url, 'operator', { pipeline: 'awf', ttl: 'soon' }),
          400,
          'INVALID_INPUT',
        );
        await expectRejected(() => call('PUT', url, 'operator', { pipeline: 'maybe' }), 400, 'INVALID_INPUT');
        await expectRejected(
          () => call('PUT', '/api/admin/overrides/team/u-1', 'operator', { pipeline: 'awf' }),
          400,
          'INVALID_INPUT',
        );
        await expectRejected(() => call('DELETE', url, 'operator'), 404, 'OVERRIDE_NOT_FOUND');
      });
    });

    describe('operator reports', () => {
      it('DELETE /api/admin/overrides?only=enable removes only the enable ones and reports where players land', async () => {
        await call('PUT', '/api/admin/rollout', 'operator', { globalEnabled: true, percent: 50 });
        await call('PUT', '/api/admin/overrides/user/user-123', 'operator', { pipeline: 'legacy' }); // bucket 4460
        await call('PUT', '/api/admin/overrides/user/user-2', 'operator', { pipeline: 'awf' }); // bucket 9920
        const enableOnly = await call('DELETE', '/api/admin/overrides?only=enable', 'operator');
        assert.equal(enableOnly.statusCode, 200, enableOnly.body);
        const body = enableOnly.json();
        assert.equal(body.only, 'enable');
        assert.deepEqual(body.removed, {
          user: { enable: 1, disable: 0 },
          session: { enable: 0, disable: 0 },
        });
        assert.deepEqual(body.released.user, { total: 1, awf: 0, awfFromDisable: 0 });
        assert.equal(body.kept, 1);
        const rest = (await call('DELETE', '/api/admin/overrides?only=disable', 'operator')).json();
        assert.deepEqual(rest.released.user, { total: 1, awf: 1, awfFromDisable: 1 });
        assert.deepEqual((await call('GET', '/api/admin/overrides', 'viewer')).json(), []);
      });

      it('DELETE /api/admin/overrides refuses only=all or another parameter with 400, changing nothing', async () => {
        await call('PUT', '/api/admin/overrides/user/user-1', 'operator', { pipeline: 'legacy' });
        for (const url of ['/api/admin/overrides?only=all', '/api/admin/overrides?scope=enable']) {
          assert.deepEqual(
            await expectRejected(() => call('DELETE', url, 'operator'), 400, 'INVALID_INPUT'),
            [],
          );
        }
        await call('DELETE', '/api/admin/overrides/user/user-1', 'operator');
      });

      it('GET /api/admin/rollout/explain gives bucket, threshold, override, switches, reason and pipeline to any role', async () => {
        await call('PUT', '/api/admin/rollout', 'operator', { globalEnabled: true, percent: 44.61 });
        await call('PUT', '/api/admin/overrides/session/session-456', 'operator', {
          pipeline: 'legacy',
          ttl: '1h',
        });
        const response = await call('GET', '/api/admin/rollout/explain?userId=user-123', 'viewer');
        assert.equal(response.statusCode, 200, response.body);
        const explained = response.json();
        assert.deepEqual(explained.bucket, { key: 'user-123', value: 4460 });
        assert.deepEqual(
          [explained.threshold, explained.pipeline, explained.reason],
          [4461, 'awf', 'percent_bucket'],
        );
        assert.deepEqual(explained.switches.emergencyFallback, { value: false, source: 'default' });
        const inSession = (
          await call('GET', '/api/admin/rollout/explain?userId=user-123&sessionId=session-456', 'auditor')
        ).json();
        assert.deepEqual([inSession.pipeline, inSession.reason], ['legacy', 'session_override']);
        assert.ok(Date.parse(inSession.overrides.session.expiresAt) > Date.now());
        await call('DELETE', '/api/admin/overrides/session/session-456', 'operator');
      });

      it('GET /api/admin/rollout/explain refuses no subject or a malformed id with 400, and no token with 401', async () => {
        for (const url of [
          '/api/admin/rollout/explain',
          '/api/admin/rollout/explain?userId=not%20an%20id',
          '/api/admin/rollout/explain?user=user-123',
        ]) {
          const response = await call('GET', url, 'viewer');
          assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
          assert.equal(response.json().error.code, 'INVALID_INPUT');
        }
        const anonymous = await call('GET', '/api/admin/rollout/explain?userId=user-123', undefined);
        assert.equal(anonymous.statusCode, 401);
      });
    });

    describe('rate limit', () => {
      it('answers 429 with the retry time once an actor made too many changes', async () => {
        // A fresh store whose admin stores a limit of 2, served by another process that reads it.
        const fresh = await startAdminApi(target);
        const admin = await fresh.services.auth.authenticate({
          token: fresh.tokens.admin,
          permission: 'ratelimit.manage',
          via: 'http',
        });
        await fresh.services.auth.setChangeRateLimit(admin, { changes: 2, windowSec: 60 });
        const databaseUrl = fresh.services.config.store.databaseUrl;
        const limited = await createTestServices(
          { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
          { sqlitePath: fresh.services.sqlitePath, watchRollout: false, sloTimers: false },
        );
        const limitedApp = await buildApp({ services: limited });
        try {
          const put = (percent: number) =>
            limitedApp.inject({
              method: 'PUT',
              url: '/api/admin/rollout/percent',
              payload: { percent },
              headers: { authorization: `Bearer ${fresh.tokens.operator}` },
            });
          for (const percent of [1, 2]) assert.equal((await put(percent)).statusCode, 200);
          const response = await put(3);
          assert.equal(response.statusCode, 429, response.body);
          assert.equal(response.json().error.code, 'AUTH_RATE_LIMITED');
          assert.ok(response.json().error.details.retryAfterSec >= 1);
        } finally {
          await limitedApp.close();
          await limited.close();
          await fresh.close();
        }
      });
    });
  });
}
