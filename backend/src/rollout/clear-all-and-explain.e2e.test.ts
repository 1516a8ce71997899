import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import {
  type ControlPlane,
  controlPlaneFingerprint,
  NO_ENV,
  type SeededActors,
  seedActors,
  wireControlPlane,
} from './testing/control-plane.js';

/** A stored session owned by `userId` (a session's turns bucket on its user). */
async function insertSession(database: Database, sessionId: string, userId: string): Promise<void> {
  const at = '2026-11-27T12:00:00.000Z';
  await database.db
    .insertInto('sessions')
    .values({
      session_id: sessionId,
      user_id: userId,
      seed: 1,
      state: '{}',
      turn_count: 0,
      last_choices: '[]',
      created_at: at,
      updated_at: at,
    })
    .execute();
}

for (const target of testDatabaseTargets()) {
  describe(`rollout service reports for operators (${target.name})`, () => {
    let database: TestDatabase;
    let plane: ControlPlane;
    let actors: SeededActors;
    let now = Date.parse('2026-11-27T12:00:00Z');
    const clock = () => new Date(now);

    before(async () => {
      database = await target.open();
      plane = wireControlPlane(database, { clock });
      actors = await seedActors(plane.auth);
      // user-123 is bucket 4460, user-1 8064, user-2 9920, alice 5540, bob 5115 (docs' test vectors).
      await insertSession(database, 'session-alice', 'alice');
      await insertSession(database, 'session-bob', 'bob');
    });
    after(async () => {
      await database.close();
    });

    describe('.clearAllOverrides()', () => {
      beforeEach(async () => {
        const { operator } = actors.principals;
        await plane.rollout.clearAllOverrides(operator);
        await plane.rollout.setRollout(operator, { globalEnabled: true, percent: 60 });
        const set = (
          kind: 'user' | 'session',
          subjectId: string,
          pipeline: 'awf' | 'legacy',
          expiresAt?: Date,
        ) => plane.rollout.setOverride(operator, { kind, subjectId, pipeline, expiresAt });
        await set('user', 'user-123', 'legacy'); // bucket 4460 < 6000: released onto AWF
        await set('user', 'user-1', 'legacy'); // bucket 8064: stays on legacy
        await set('user', 'user-2', 'awf'); // bucket 9920: released to legacy
        await set('session', 'session-alice', 'legacy'); // alice 5540: released onto AWF
        await set('session', 'session-bob', 'legacy', new Date(now + 1000)); // expires: held nobody
        await set('session', 'anon-3f2b', 'awf'); // not stored: buckets on its own id, 2527
        now += 2000;
      });

      it('reports what it removed by kind, and how many released subjects now land on AWF', async () => {
        const result = await plane.rollout.clearAllOverrides(actors.principals.operator);
        assert.equal(result.only, null);
        assert.deepEqual(result.removed, {
          user: { enable: 1, disable: 2 },
          session: { enable: 1, disable: 2 },
        });
        assert.deepEqual(result.released.user, { total: 3, awf: 1, awfFromDisable: 1 });
        // alice (5540) was held by a disable; bob (5115) too, but it had expired; anon-3f2b was enabled.
        assert.deepEqual(result.released.session, { total: 3, awf: 3, awfFromDisable: 1 });
        assert.equal(result.kept, 0);
        assert.deepEqual(await plane.rollout.listOverrides(), []);
      });

      it('--only enable removes only the AWF overrides: nobody is moved onto AWF', async () => {
        const seq = (await plane.audit.head())?.seq ?? 0;
        const result = await plane.rollout.clearAllOverrides(actors.principals.operator, { only: 'enable' });
        assert.deepEqual(result.removed, {
          user: { enable: 1, disable: 0 },
          session: { enable: 1, disable: 0 },
        });
        assert.equal(result.released.user.awfFromDisable + result.released.session.awfFromDisable, 0);
        assert.equal(result.released.user.awf, 0); // user-2 (bucket 9920) goes to legacy
        assert.equal(result.released.session.awf, 1); // anon-3f2b (2527) stays on AWF, by the percentage
        assert.equal(result.kept, 4);
        assert.deepEqual(
          (await plane.rollout.listOverrides()).map((o) => [o.kind, o.subjectId, o.pipeline]),
          [
            ['session', 'session-alice', 'legacy'],
            ['session', 'session-bob', 'legacy'],
            ['user', 'user-1', 'legacy'],
            ['user', 'user-123', 'legacy'],
          ],
        );
        const entries = await plane.audit.query({ afterSeq: seq });
        assert.equal(entries.length, 1);
        const entry = entries[0] as (typeof entries)[number];
        assert.equal(entry.action, 'override.cleared_all');
        assert.equal(entry.details.only, 'enable');
        assert.deepEqual(
          (entry.details.previous as Array<{ subjectId: string }>).map((o) => o.subjectId),
          ['anon-3f2b', 'user-2'],
        );
      });

      it('--only disable removes only the legacy overrides and counts those now on AWF', async () => {
        const result = await plane.rollout.clearAllOverrides(actors.principals.operator, { only: 'disable' });
        assert.deepEqual(result.removed, {
          user: { enable: 0, disable: 2 },
          session: { enable: 0, disable: 2 },
        });
        assert.deepEqual(result.released.user, { total: 2, awf: 1, awfFromDisable: 1 });
        assert.deepEqual(result.released.session, { total: 2, awf: 2, awfFromDisable: 1 });
        assert.equal(result.kept, 2);
      });

      it('refuses an unknown only with INVALID_INPUT, changing nothing', async () => {
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(
          plane.rollout.clearAllOverrides(actors.principals.operator, { only: 'all' as never }),
          { code: 'INVALID_INPUT' },
        );
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });
    });

    describe('.explain()', () => {
      before(async () => {
        const { operator } = actors.principals;
        await plane.rollout.clearAllOverrides(operator);
        await plane.rollout.setRollout(operator, { globalEnabled: true, percent: 55.41 }); // threshold 5541
      });

      it('explains a session with its stored user, as its turns decide', async () => {
        const explained = await plane.rollout.explain({ sessionId: 'session-alice' });
        assert.deepEqual(explained.subject, { userId: 'alice', sessionId: 'session-alice' });
        assert.deepEqual(explained.bucket, { key: 'alice', value: 5540 });
        assert.deepEqual(
          [explained.threshold, explained.pipeline, explained.reason],
          [5541, 'awf', 'percent_bucket'],
        );
        assert.deepEqual(explained.warnings, []);
      });

      it('says when the named user is not the session’s, and explains with the session’s user', async () => {
        const explained = await plane.rollout.explain({ userId: 'user-1', sessionId: 'session-alice' });
        assert.equal(explained.subject.userId, 'alice');
        assert.match(explained.warnings[0] ?? '', /session session-alice belongs to user alice, not user-1/);
      });

      it('shows the override with its expiry, from the stored state', async () => {
        const expiresAt = new Date(now + 3_600_000);
        await plane.rollout.setOverride(actors.principals.operator, {
          kind: 'user',
          subjectId: 'bob',
          pipeline: 'legacy',
          expiresAt,
          reason: 'QA',
        });
        const explained = await plane.rollout.explain({ userId: 'bob' });
        assert.deepEqual([explained.pipeline, explained.reason], ['legacy', 'user_override']);
        assert.equal(explained.overrides.user?.expiresAt, expiresAt.toISOString());
        assert.equal(explained.overrides.user?.reason, 'QA');
        assert.equal(explained.inRollout, true); // bucket 5115 < 5541: only the override keeps bob on legacy
      });

      it('uses the process environment as a server would: AWF_BUNDLE_ON=false wins over the stored on', async () => {
        const envPlane = wireControlPlane(database, { clock, env: { ...NO_ENV, envGlobalFlag: false } });
        const explained = await envPlane.rollout.explain({ userId: 'user-123' });
        assert.deepEqual([explained.pipeline, explained.reason], ['legacy', 'global_disabled']);
        assert.equal(explained.globalEnabled.source, 'env');
      });

      it('refuses no subject or a malformed id with INVALID_INPUT', async () => {
        await assert.rejects(plane.rollout.explain({}), { code: 'INVALID_INPUT' });
        await assert.rejects(plane.rollout.explain({ userId: 'not an id!' }), { code: 'INVALID_INPUT' });
      });
    });
  });
}
