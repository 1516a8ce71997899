import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import type { Role } from '../auth/roles.js';
import { controlPlaneFingerprint, deniedEntriesAfter, seedActors } from '../rollout/testing/control-plane.js';
import { buildApp } from './build-app.js';

describe('admin API', () => {
  let services: TestServices;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;

  before(async () => {
    services = await createTestServices(
      { AWF_CHANGE_RATE_LIMIT: '1000' },
      { watchRollout: false, sloTimers: false },
    );
    app = await buildApp({ services });
    tokens = (await seedActors(services.auth)).tokens;
  });
  after(async () => {
    await app.close();
    await services.dispose();
  });

  const call = (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    role: Role | undefined,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...headers },
    });
  const headSeq = async () => (await services.audit.head())?.seq ?? 0;

  /** Runs `request`, expects `status` and `code`, and checks nothing but auth.denied was written. */
  async function expectRejected(
    request: () => ReturnType<typeof call>,
    status: number,
    code: string,
  ): Promise<Array<Record<string, unknown>>> {
    const before = await controlPlaneFingerprint(services.database);
    const seq = await headSeq();
    const response = await request();
    assert.equal(response.statusCode, status, response.body);
    assert.equal(response.json().error.code, code);
    assert.deepEqual(await controlPlaneFingerprint(services.database), before);
    return deniedEntriesAfter(services.audit, seq);
  }

  describe('authentication', () => {
    it('answers 401 without a token or with a wrong one, and audits the attempt (never the token)', async () => {
      const missing = await expectRejected(
        () => call('GET', '/api/admin/rollout', undefined),
        401,
        'AUTH_MISSING_TOKEN',
      );
      assert.deepEqual(
        missing.map((entry) => [entry.reason, entry.via, entry.source]),
        [['missing_token', 'http', '127.0.0.1']],
      );
      const wrong = `awf_0123456789ab_${'x'.repeat(43)}`;
      const denied = await expectRejected(
        () =>
          call(
            'PUT',
            '/api/admin/rollout/percent',
            undefined,
            { percent: 5 },
            { authorization: `Bearer ${wrong}` },
          ),
        401,
        'AUTH_INVALID_TOKEN',
      );
      assert.equal(denied[0]?.reason, 'invalid_token');
      assert.ok(!JSON.stringify(denied).includes('x'.repeat(43)));
    });

    it('checks the token before the body, so an anonymous caller learns nothing about validation', async () => {
      await expectRejected(
        () => call('PUT', '/api/admin/rollout/percent', undefined, { nonsense: true }),
        401,
        'AUTH_MISSING_TOKEN',
      );
    });

    it('answers 403 to a viewer or an auditor trying to change anything', async () => {
      await expectRejected(
        () => call('PUT', '/api/admin/rollout/percent', 'viewer', { percent: 5 }),
        403,
        'AUTH_FORBIDDEN',
      );
      await expectRejected(
        () => call('PUT', '/api/admin/overrides/user/u-1', 'auditor', { pipeline: 'awf' }),
        403,
        'AUTH_FORBIDDEN',
      );
      await expectRejected(() => call('DELETE', '/api/admin/overrides', 'viewer'), 403, 'AUTH_FORBIDDEN');
      await expectRejected(() => call('GET', '/api/admin/audit', 'operator'), 403, 'AUTH_FORBIDDEN');
      await expectRejected(() => call('GET', '/api/admin/actors', 'operator'), 403, 'AUTH_FORBIDDEN');
    });
  });

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
      assert.deepEqual([status.effective.percent.value, status.effective.globalEnabled.value], [12.5, true]);
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
      const seq = await headSeq();
      const both = await call('PUT', '/api/admin/rollout', 'operator', { globalEnabled: false, percent: 30 });
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
        listed.map((o: { kind: string; subjectId: string; state: string }) => [o.kind, o.subjectId, o.state]),
        [
          ['session', 'session-456', 'active'],
          ['user', 'user-123', 'active'],
        ],
      );
      assert.equal((await call('DELETE', '/api/admin/overrides/user/user-123', 'operator')).statusCode, 200);
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
        () => call('PUT', url, 'operator', { pipeline: 'awf', ttl: '1h', expiresAt: '2099-01-01T00:00:00Z' }),
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

  describe('audit', () => {
    it('lets an auditor query with filters, export NDJSON, verify and checkpoint', async () => {
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

  describe('actors', () => {
    it('lets an admin add an actor (token shown once), issue and revoke tokens, and revoke the actor', async () => {
      const added = await call('POST', '/api/admin/actors', 'admin', {
        name: 'http-ops',
        role: 'operator',
        ttl: '7d',
      });
      assert.equal(added.statusCode, 201, added.body);
      const { token, tokenId } = added.json();
      const asNew = await app.inject({
        method: 'GET',
        url: '/api/admin/rollout',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(asNew.statusCode, 200);
      const second = await call('POST', '/api/admin/actors/http-ops/tokens', 'admin', {});
      assert.equal(second.statusCode, 201);
      assert.equal((await call('DELETE', `/api/admin/tokens/${tokenId}`, 'admin')).statusCode, 200);
      assert.equal((await call('DELETE', '/api/admin/actors/http-ops', 'admin')).statusCode, 200);
      const listed = (await call('GET', '/api/admin/actors', 'admin')).json();
      const revoked = listed.find((actor: { name: string }) => actor.name === 'http-ops');
      assert.ok(revoked.revokedAt);
      assert.ok(!JSON.stringify(listed).includes(token));
    });

    it('POST /api/admin/actors/:name/tokens without a body issues a token without expiry', async () => {
      const issued = await app.inject({
        method: 'POST',
        url: '/api/admin/actors/ops-1/tokens',
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      assert.equal(issued.json().actor, 'ops-1');
      assert.equal(issued.json().expiresAt, null);
    });

    it('names body fields, never CLI flags, in expiry errors', async () => {
      const url = '/api/admin/actors/ops-1/tokens';
      const bad: Array<[body: object, message: string]> = [
        [{ ttl: '1h', expiresAt: '2099-01-01T00:00:00Z' }, 'give ttl or expiresAt, not both'],
        [{ ttl: 'soon' }, 'ttl must be a positive duration'],
        [{ expiresAt: 'tomorrow' }, 'expiresAt must be an ISO 8601 date-time'],
        [{ expiresAt: '2099-02-30T00:00:00Z' }, 'expiresAt "2099-02-30T00:00:00Z" is not a real date-time'],
      ];
      for (const [body, message] of bad) {
        await expectRejected(() => call('POST', url, 'admin', body), 400, 'INVALID_INPUT');
        const response = await call('POST', url, 'admin', body);
        assert.ok(response.json().error.message.startsWith(message), response.body);
        assert.ok(!response.body.includes('--'), response.body);
      }
      const override = await call('PUT', '/api/admin/overrides/user/u-9', 'operator', {
        pipeline: 'awf',
        ttl: '1h',
        expiresAt: '2099-01-01T00:00:00Z',
      });
      assert.equal(override.json().error.message, 'give ttl or expiresAt, not both');
    });

    it('refuses a duplicate, an unknown role, and revoking the last admin or its last token', async () => {
      await expectRejected(
        () => call('POST', '/api/admin/actors', 'admin', { name: 'ops-1', role: 'viewer' }),
        409,
        'ACTOR_EXISTS',
      );
      await expectRejected(
        () => call('POST', '/api/admin/actors', 'admin', { name: 'x', role: 'root' }),
        400,
        'INVALID_INPUT',
      );
      await expectRejected(() => call('DELETE', '/api/admin/actors/admin', 'admin'), 409, 'ACTOR_LAST_ADMIN');
      await expectRejected(
        () => call('DELETE', `/api/admin/tokens/${tokens.admin.slice(4, 16)}`, 'admin'),
        409,
        'ACTOR_LAST_ADMIN',
      );
      await expectRejected(
        () => call('DELETE', '/api/admin/tokens/0123456789ab', 'admin'),
        404,
        'TOKEN_NOT_FOUND',
      );
    });
  });

  describe('rate limit', () => {
    it('answers 429 with the retry time once an actor made too many changes', async () => {
      const limited = await createTestServices(
        { AWF_CHANGE_RATE_LIMIT: '2', AWF_CHANGE_RATE_WINDOW_S: '60' },
        { sqlitePath: services.sqlitePath, watchRollout: false, sloTimers: false },
      );
      const limitedApp = await buildApp({ services: limited });
      try {
        const put = (percent: number) =>
          limitedApp.inject({
            method: 'PUT',
            url: '/api/admin/rollout/percent',
            payload: { percent },
            headers: { authorization: `Bearer ${tokens.admin}` },
          });
        // The admin has changed things within the last minute already (earlier tests).
        const response = await put(1);
        assert.equal(response.statusCode, 429, response.body);
        assert.equal(response.json().error.code, 'AUTH_RATE_LIMITED');
        assert.ok(response.json().error.details.retryAfterSec >= 1);
      } finally {
        await limitedApp.close();
        await limited.close();
      }
    });
  });
});
