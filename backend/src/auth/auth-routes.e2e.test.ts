import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import type { Role } from '../auth/roles.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  describe(`actors admin API and authentication (${target.name})`, () => {
    let api: AdminApi;
    let app: FastifyInstance;
    let tokens: Record<Role, string>;
    before(async () => {
      api = await startAdminApi(target);
      ({ app, tokens } = api);
    });
    after(async () => {
      await api.close();
    });
    const call: AdminApi['call'] = (...args) => api.call(...args);
    const expectRejected: AdminApi['expectRejected'] = (...args) => api.expectRejected(...args);

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
        await expectRejected(() => call('GET', '/api/admin/actors', 'operator'), 403, 'AUTH_FORBIDDEN');
        await expectRejected(
          () => call('POST', '/api/admin/audit/checkpoints', 'operator'),
          403,
          'AUTH_FORBIDDEN',
        );
      });

      it('lets an operator read and verify the audit log (the seed has the rollout check it)', async () => {
        const entries = await call('GET', '/api/admin/audit?limit=5', 'operator');
        assert.equal(entries.statusCode, 200, entries.body);
        assert.ok(Array.isArray(entries.json()) && entries.json().length > 0);
        const verified = await call('GET', '/api/admin/audit/verify', 'operator');
        assert.equal(verified.statusCode, 200, verified.body);
        assert.equal(verified.json().ok, true);
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
        await expectRejected(
          () => call('DELETE', '/api/admin/actors/admin', 'admin'),
          409,
          'ACTOR_LAST_ADMIN',
        );
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
  });
}
