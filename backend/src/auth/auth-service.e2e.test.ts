import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type ControlPlane,
  controlPlaneFingerprint,
  deniedEntriesAfter,
  type SeededActors,
  seedActors,
  wireControlPlane,
} from '../rollout/testing/control-plane.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  describe(`auth service (${target.name})`, () => {
    let database: TestDatabase;
    let plane: ControlPlane;
    let actors: SeededActors;
    let now = Date.parse('2026-06-01T12:00:00.000Z');
    const clock = () => new Date(now);

    before(async () => {
      database = await target.open();
      plane = wireControlPlane(database, { clock });
      actors = await seedActors(plane.auth);
    });
    after(async () => {
      await database.close();
    });

    const headSeq = async () => (await plane.audit.head())?.seq ?? 0;

    describe('.addFirstAdmin()', () => {
      it('added the first admin without a token, audited as the bootstrap', async () => {
        const [first] = await plane.audit.query({ order: 'asc', limit: 1 });
        assert.equal(first?.actor, 'bootstrap');
        assert.equal(first?.action, 'actor.added');
        assert.deepEqual(first?.details.new, { role: 'admin' });
      });

      it('refuses once an admin exists (AUTH_MISSING_TOKEN), writing only auth.denied', async () => {
        const before = await controlPlaneFingerprint(database);
        const seq = await headSeq();
        await assert.rejects(plane.auth.addFirstAdmin({ name: 'mallory', via: 'cli' }), {
          code: 'AUTH_MISSING_TOKEN',
        });
        assert.deepEqual(await controlPlaneFingerprint(database), before);
        assert.deepEqual(
          (await deniedEntriesAfter(plane.audit, seq)).map((entry) => entry.reason),
          ['missing_token'],
        );
      });
    });

    describe('tokens', () => {
      it('are stored as their SHA-256 only, and never written to the audit log', async () => {
        const rows = await database.db.selectFrom('auth_tokens').selectAll().execute();
        const token = actors.tokens.operator;
        const row = rows.find((r) => r.actor === 'ops-1');
        assert.equal(row?.token_hash, createHash('sha256').update(token).digest('hex'));
        const secret = token.slice(17);
        const everything = JSON.stringify(rows) + JSON.stringify(await plane.audit.query({ limit: 1000 }));
        assert.ok(!everything.includes(secret));
      });
    });

    describe('.authenticate()', () => {
      const request = (token: string | undefined, extra: object = {}) => ({
        token,
        permission: 'rollout.write' as const,
        via: 'cli' as const,
        ...extra,
      });

      it('resolves a valid token to its actor, role and expiry (none: null)', async () => {
        assert.deepEqual(
          await plane.auth.authenticate(request(actors.tokens.operator, { claimedActor: 'ops-1' })),
          { ...actors.principals.operator, tokenExpiresAt: null },
        );
      });

      const wrongSecret = () => `${actors.tokens.operator.slice(0, 17)}${'A'.repeat(43)}`;
      const cases: Array<[string, () => object, string, string]> = [
        ['a missing token', () => request(undefined), 'AUTH_MISSING_TOKEN', 'missing_token'],
        ['a malformed token', () => request('letmein'), 'AUTH_INVALID_TOKEN', 'invalid_token'],
        [
          'a right id with a wrong secret',
          () => request(wrongSecret()),
          'AUTH_INVALID_TOKEN',
          'invalid_token',
        ],
        [
          '--actor naming no actor',
          () => request(actors.tokens.operator, { claimedActor: 'ghost' }),
          'AUTH_UNKNOWN_ACTOR',
          'unknown_actor',
        ],
        [
          '--actor naming someone else',
          () => request(actors.tokens.operator, { claimedActor: 'admin' }),
          'AUTH_ACTOR_MISMATCH',
          'actor_mismatch',
        ],
        ['a viewer trying to change', () => request(actors.tokens.viewer), 'AUTH_FORBIDDEN', 'forbidden'],
        ['an auditor trying to change', () => request(actors.tokens.auditor), 'AUTH_FORBIDDEN', 'forbidden'],
      ];
      for (const [what, make, code, reason] of cases) {
        it(`rejects ${what} (${code}) with one auth.denied entry and no other change`, async () => {
          // A minute of its own: within one minute only the first few denials per source are
          // written one by one (the rest are collapsed, see the collapsing tests below).
          now += 60_000;
          const before = await controlPlaneFingerprint(database);
          const seq = await headSeq();
          await assert.rejects(
            plane.auth.authenticate(make() as Parameters<typeof plane.auth.authenticate>[0]),
            {
              code,
            },
          );
          assert.deepEqual(await controlPlaneFingerprint(database), before);
          const denied = await deniedEntriesAfter(plane.audit, seq);
          assert.equal(denied.length, 1);
          assert.equal(denied[0]?.reason, reason);
          assert.equal(denied[0]?.via, 'cli');
          assert.ok(!JSON.stringify(denied).includes(actors.tokens.operator.slice(17)));
        });
      }

      it('collapses 1000 bad-token attempts from one source in a minute into a few entries whose attempts add up to 1000', async () => {
        now = Math.floor(now / 60_000) * 60_000 + 120_000; // the start of a minute of its own
        const seq = await headSeq();
        const source = '203.0.113.7';
        for (let i = 0; i < 1000; i++) {
          await assert.rejects(
            plane.auth.authenticate({ token: 'letmein', permission: 'rollout.read', via: 'http', source }),
            { code: 'AUTH_INVALID_TOKEN' },
          );
        }
        // Another source in the same minute is not collapsed into the attacker's entries.
        await assert.rejects(
          plane.auth.authenticate({
            token: 'letmein',
            permission: 'rollout.read',
            via: 'http',
            source: '198.51.100.1',
          }),
          { code: 'AUTH_INVALID_TOKEN' },
        );
        await plane.auth.flushDenied();
        const denied = await deniedEntriesAfter(plane.audit, seq);
        const fromAttacker = denied.filter((entry) => entry.source === source);
        assert.ok(fromAttacker.length >= 1 && fromAttacker.length <= 6, `${fromAttacker.length} entries`);
        assert.equal(
          fromAttacker.reduce((sum, entry) => sum + (entry.attempts as number), 0),
          1000,
        );
        assert.equal(fromAttacker.at(-1)?.collapsed, true);
        assert.deepEqual(fromAttacker.at(-1)?.reasons, { invalid_token: 995 });
        assert.deepEqual(
          denied.filter((entry) => entry.source === '198.51.100.1').map((entry) => entry.attempts),
          [1],
        );
      });

      it('rejects an expired token, then a revoked one', async () => {
        const issued = await plane.auth.issueToken(actors.principals.admin, 'ops-1', {
          expiresAt: new Date(now + 60_000),
        });
        assert.equal((await plane.auth.authenticate(request(issued.token))).actor, 'ops-1');
        now += 60_000;
        await assert.rejects(plane.auth.authenticate(request(issued.token)), { code: 'AUTH_INVALID_TOKEN' });
        const another = await plane.auth.issueToken(actors.principals.admin, 'ops-1', {});
        await plane.auth.revokeToken(actors.principals.admin, another.tokenId);
        await assert.rejects(plane.auth.authenticate(request(another.token)), { code: 'AUTH_INVALID_TOKEN' });
        const reasons = (await plane.audit.query({ action: 'auth.denied', limit: 2 })).map(
          (e) => e.details.reason,
        );
        assert.deepEqual(reasons, ['token_revoked', 'token_expired']);
      });

      it('refuses an expiry that is not in the future', async () => {
        await assert.rejects(
          plane.auth.issueToken(actors.principals.admin, 'ops-1', { expiresAt: new Date(now - 1) }),
          { code: 'INVALID_INPUT' },
        );
      });
    });

    describe('actors', () => {
      it('refuses a duplicate, a bad or reserved name and management by a non-admin, changing nothing', async () => {
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(
          plane.auth.addActor(actors.principals.admin, { name: 'ops-1', role: 'viewer' }),
          {
            code: 'ACTOR_EXISTS',
          },
        );
        await assert.rejects(
          plane.auth.addActor(actors.principals.admin, { name: 'Bad Name', role: 'viewer' }),
          {
            code: 'INVALID_INPUT',
          },
        );
        await assert.rejects(
          plane.auth.addActor(actors.principals.admin, { name: 'system', role: 'viewer' }),
          {
            code: 'INVALID_INPUT',
          },
        );
        await assert.rejects(plane.auth.addActor(actors.principals.operator, { name: 'x', role: 'admin' }), {
          code: 'AUTH_FORBIDDEN',
        });
        await assert.rejects(plane.auth.revokeActor(actors.principals.admin, 'nobody'), {
          code: 'ACTOR_NOT_FOUND',
        });
        await assert.rejects(plane.auth.revokeActor(actors.principals.admin, 'admin'), {
          code: 'ACTOR_LAST_ADMIN',
        });
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });

      it('revokes an actor with all its tokens, and lists token states', async () => {
        const temp = await plane.auth.addActor(actors.principals.admin, { name: 'temp', role: 'viewer' });
        const revoked = await plane.auth.revokeActor(actors.principals.admin, 'temp');
        assert.deepEqual(revoked, { actor: 'temp', tokensRevoked: [temp.tokenId] });
        await assert.rejects(
          plane.auth.authenticate({ token: temp.token, permission: 'rollout.read', via: 'http' }),
          { code: 'AUTH_INVALID_TOKEN' },
        );
        const [entry] = await plane.audit.query({ action: 'actor.revoked', limit: 1 });
        assert.equal(entry?.actor, 'admin');
        assert.deepEqual(entry?.details.previous, { role: 'viewer', revokedAt: null });
        const list = await plane.auth.listActors(actors.principals.admin);
        const ops = list.find((actor) => actor.name === 'ops-1');
        assert.deepEqual(ops?.tokens.map((token) => token.state).sort(), ['active', 'expired', 'revoked']);
        assert.ok(!JSON.stringify(list).includes('token_hash'));
      });
    });

    describe('the last admin token', () => {
      it('.revokeToken() refuses the last active, unexpired admin token (ACTOR_LAST_ADMIN), changing nothing', async () => {
        const admin = actors.principals.admin;
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(plane.auth.revokeToken(admin, admin.tokenId as string), {
          code: 'ACTOR_LAST_ADMIN',
          message: new RegExp(
            `token ${admin.tokenId} \\(of admin\\) is the last active, unexpired admin token`,
          ),
        });
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });

      it('.revokeToken() does not count an expired admin token as a way back in', async () => {
        const admin = actors.principals.admin;
        const expiring = await plane.auth.issueToken(admin, 'admin', { expiresAt: new Date(now + 60_000) });
        now += 60_000;
        await assert.rejects(plane.auth.revokeToken(admin, admin.tokenId as string), {
          code: 'ACTOR_LAST_ADMIN',
        });
        // The expired one itself may go, and so may one of two usable tokens.
        await plane.auth.revokeToken(admin, expiring.tokenId);
        const spare = await plane.auth.issueToken(admin, 'admin', {});
        assert.deepEqual(await plane.auth.revokeToken(admin, spare.tokenId), {
          actor: 'admin',
          tokenId: spare.tokenId,
        });
      });
    });

    describe('the bootstrap after every admin token expired', () => {
      it('lets an admin be added without a token, audited as the bootstrap, and reports when admin access expires', async () => {
        const fresh = await target.open();
        try {
          const other = wireControlPlane(fresh, { clock });
          const first = await other.auth.addFirstAdmin({
            name: 'root',
            expiresAt: new Date(now + 60_000),
            via: 'cli',
          });
          assert.deepEqual(await other.auth.adminAccess(), {
            usableTokens: 1,
            until: first.expiresAt,
            expires: true,
          });
          await assert.rejects(other.auth.addFirstAdmin({ name: 'root2', via: 'cli' }), {
            code: 'AUTH_MISSING_TOKEN',
          });
          now += 60_000; // root's only token expires: nobody can manage actors with a token
          assert.equal(await other.auth.hasUsableAdminToken(), false);
          const again = await other.auth.addFirstAdmin({ name: 'root2', via: 'cli' });
          assert.equal(await other.auth.hasUsableAdminToken(), true);
          assert.deepEqual(await other.auth.adminAccess(), { usableTokens: 1, until: null, expires: false });
          const [entry] = await other.audit.query({ action: 'actor.added', limit: 1 });
          assert.deepEqual(
            [entry?.actor, entry?.entity, entry?.details.tokenId, entry?.details.new],
            ['bootstrap', 'actor:root2', again.tokenId, { role: 'admin' }],
          );
          // root is still an active admin, but without a usable token: root2 cannot leave.
          const root2 = { actor: 'root2', role: 'admin' as const, tokenId: again.tokenId };
          await assert.rejects(other.auth.revokeActor(root2, 'root2'), {
            code: 'ACTOR_LAST_ADMIN',
            message: /revoking root2 would leave no admin with an active, unexpired token/,
          });
          await other.auth.revokeActor(root2, 'root');
        } finally {
          await fresh.close();
        }
      });
    });

    describe('.enforceChangeRate()', () => {
      it('limits changes per actor, across processes sharing the store, with a clear error', async () => {
        const limited = wireControlPlane(database, { clock, rateLimit: { changes: 3, windowSec: 60 } });
        const second = await database.reopen();
        try {
          const otherProcess = wireControlPlane(second, { clock, rateLimit: { changes: 3, windowSec: 60 } });
          now += 120_000;
          const operator = actors.principals.operator;
          await limited.rollout.setPercent(operator, 1);
          await otherProcess.rollout.setPercent(operator, 2);
          await limited.rollout.setGlobalFlag(operator, true);
          const before = await controlPlaneFingerprint(database);
          await assert.rejects(
            otherProcess.rollout.setPercent(operator, 4),
            (error: Error & { code?: string }) => {
              assert.equal(error.code, 'AUTH_RATE_LIMITED');
              assert.match(error.message, /ops-1 made 3 changes in the last 60 s .* retry in \d+ s/);
              return true;
            },
          );
          assert.deepEqual(await controlPlaneFingerprint(database), before);
          // Another actor is not held back; the operator is again once the window moves on.
          await limited.rollout.setPercent(actors.principals.admin, 5);
          now += 61_000;
          await otherProcess.rollout.setPercent(operator, 6);
        } finally {
          await second.close();
        }
      });
    });
  });
}
