import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { formatDistribution } from './rollout-report.js';
import { createRolloutStateCache } from './rollout-state-cache.js';
import { bucketOf, decideRoute } from './route-decision.js';
import {
  type ControlPlane,
  controlPlaneFingerprint,
  NO_ENV,
  type SeededActors,
  seedActors,
  wireControlPlane,
} from './testing/control-plane.js';

const switches = { emergencyFallback: false, legacyTurnEnabled: false };

async function insertTurn(
  database: Database,
  turn: {
    sessionId: string;
    userId: string;
    turnNo: number;
    pipeline: 'awf' | 'legacy';
    reason: string;
    at: string;
    /** Routed to AWF, answered by legacy (then `pipeline` is legacy). */
    fellBack?: boolean;
  },
): Promise<void> {
  if (turn.turnNo === 1) {
    await database.db
      .insertInto('sessions')
      .values({
        session_id: turn.sessionId,
        user_id: turn.userId,
        seed: 1,
        state: '{}',
        turn_count: 0,
        last_choices: '[]',
        created_at: turn.at,
        updated_at: turn.at,
      })
      .execute();
  }
  await database.db
    .insertInto('turns')
    .values({
      session_id: turn.sessionId,
      turn_no: turn.turnNo,
      user_id: turn.userId,
      input: 'look',
      pipeline: turn.pipeline,
      route_reason: turn.reason,
      scene: 'glade',
      retried: 0,
      fallback: turn.fellBack ? 1 : 0,
      fallback_reason: turn.fellBack ? 'model_timeout' : null,
      latency_ms: 1,
      result: '{}',
      created_at: turn.at,
    })
    .execute();
}

for (const target of testDatabaseTargets()) {
  describe(`rollout service (${target.name})`, () => {
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

    const lastEntry = async () => (await plane.audit.getRecentLogs(1))[0];

    describe('.setPercent()', () => {
      it('stores the percent, bumps the version and writes one entry with previous and new', async () => {
        const seqBefore = (await plane.audit.head())?.seq ?? 0;
        const first = await plane.rollout.setPercent(actors.principals.operator, 5);
        const second = await plane.rollout.setPercent(actors.principals.operator, 25.5);
        assert.deepEqual([first.previous, first.new, second.previous, second.new], [null, 5, 5, 25.5]);
        assert.equal(second.version, first.version + 1);
        const state = await plane.rollout.readState();
        assert.equal(state.percent, 25.5);
        assert.equal(state.updatedBy, 'ops-1');
        const entries = await plane.audit.query({ afterSeq: seqBefore, order: 'asc' });
        assert.deepEqual(
          entries.map((entry) => [entry.actor, entry.action, entry.entity, entry.details]),
          [
            ['ops-1', 'rollout.percent.set', 'rollout', { previous: null, new: 5, version: first.version }],
            ['ops-1', 'rollout.percent.set', 'rollout', { previous: 5, new: 25.5, version: second.version }],
          ],
        );
      });

      it('rejects 150, -1 and three decimals, and a viewer, changing nothing', async () => {
        const before = await controlPlaneFingerprint(database);
        for (const bad of [150, -1, 1.234]) {
          await assert.rejects(plane.rollout.setPercent(actors.principals.operator, bad), {
            code: 'ROLLOUT_INVALID_PERCENT',
          });
        }
        await assert.rejects(plane.rollout.setPercent(actors.principals.viewer, 10), {
          code: 'AUTH_FORBIDDEN',
        });
        await assert.rejects(plane.rollout.setGlobalFlag(actors.principals.auditor, true), {
          code: 'AUTH_FORBIDDEN',
        });
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });
    });

    describe('.setGlobalFlag()', () => {
      it('stores the flag with one entry', async () => {
        const change = await plane.rollout.setGlobalFlag(actors.principals.admin, true);
        assert.deepEqual([change.previous, change.new], [null, true]);
        assert.deepEqual((await lastEntry())?.details, {
          previous: null,
          new: true,
          version: change.version,
        });
        assert.equal((await plane.rollout.readState()).globalEnabled, true);
      });
    });

    describe('.setRollout()', () => {
      it('sets the global flag and the percent as one change: one rollout.set entry with both previous and new', async () => {
        // The state this test starts from, whatever ran before.
        await plane.rollout.setRollout(actors.principals.admin, { globalEnabled: true, percent: 25.5 });
        const seqBefore = (await plane.audit.head())?.seq ?? 0;
        const versionBefore = (await plane.rollout.readState()).version;
        const change = await plane.rollout.setRollout(actors.principals.operator, {
          globalEnabled: false,
          percent: 40,
        });
        assert.deepEqual(
          { previous: change.previous, new: change.new, version: change.version },
          {
            previous: { globalEnabled: true, percent: 25.5 },
            new: { globalEnabled: false, percent: 40 },
            version: versionBefore + 1,
          },
        );
        const state = await plane.rollout.readState();
        assert.deepEqual([state.globalEnabled, state.percent], [false, 40]);
        const entries = await plane.audit.query({ afterSeq: seqBefore, order: 'asc' });
        assert.deepEqual(
          entries.map((entry) => [entry.seq, entry.actor, entry.action, entry.entity, entry.details]),
          [
            [
              change.auditSeq,
              'ops-1',
              'rollout.set',
              'rollout',
              {
                previous: { globalEnabled: true, percent: 25.5 },
                new: { globalEnabled: false, percent: 40 },
                version: change.version,
              },
            ],
          ],
        );
      });

      it('counts as one change against the rate limit, and when refused changes neither value', async () => {
        now += 120_000; // past every earlier change's rate window
        const limited = wireControlPlane(database, { clock, rateLimit: { changes: 1, windowSec: 60 } });
        const operator = actors.principals.operator;
        await limited.rollout.setRollout(operator, { globalEnabled: true, percent: 25.5 });
        assert.deepEqual(
          await plane.rollout.readState().then((state) => [state.globalEnabled, state.percent]),
          [true, 25.5],
        );
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(limited.rollout.setRollout(operator, { globalEnabled: false, percent: 0 }), {
          code: 'AUTH_RATE_LIMITED',
        });
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });

      it('refuses a bad percent next to a good flag, nothing at all, and a viewer, changing nothing', async () => {
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(
          plane.rollout.setRollout(actors.principals.admin, { globalEnabled: false, percent: 150 }),
          { code: 'ROLLOUT_INVALID_PERCENT' },
        );
        await assert.rejects(plane.rollout.setRollout(actors.principals.admin, {}), {
          code: 'INVALID_INPUT',
        });
        await assert.rejects(
          plane.rollout.setRollout(actors.principals.viewer, { globalEnabled: false, percent: 1 }),
          { code: 'AUTH_FORBIDDEN' },
        );
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });
    });

    describe('overrides', () => {
      it('sets, replaces and clears one override, one entry each', async () => {
        const set = await plane.rollout.setOverride(actors.principals.operator, {
          kind: 'user',
          subjectId: 'user-123',
          pipeline: 'awf',
          reason: 'beta tester',
        });
        assert.deepEqual(set.new, { pipeline: 'awf', expiresAt: null, reason: 'beta tester' });
        const replaced = await plane.rollout.setOverride(actors.principals.operator, {
          kind: 'user',
          subjectId: 'user-123',
          pipeline: 'legacy',
          expiresAt: new Date(now + 3_600_000),
        });
        assert.deepEqual(replaced.previous, set.new);
        assert.equal((await lastEntry())?.entity, 'user:user-123');
        const cleared = await plane.rollout.clearOverride(actors.principals.operator, 'user', 'user-123');
        assert.deepEqual(cleared.previous, replaced.new);
        assert.equal(cleared.new, null);
        assert.equal((await lastEntry())?.action, 'override.cleared');
      });

      it('rejects clearing a missing override, a past expiry and a bad id, changing nothing', async () => {
        const before = await controlPlaneFingerprint(database);
        await assert.rejects(plane.rollout.clearOverride(actors.principals.operator, 'session', 'nope'), {
          code: 'OVERRIDE_NOT_FOUND',
        });
        await assert.rejects(
          plane.rollout.setOverride(actors.principals.operator, {
            kind: 'session',
            subjectId: 'session-456',
            pipeline: 'legacy',
            expiresAt: new Date(now - 1000),
          }),
          { code: 'OVERRIDE_EXPIRY_IN_PAST' },
        );
        await assert.rejects(
          plane.rollout.setOverride(actors.principals.operator, {
            kind: 'user',
            subjectId: ' x',
            pipeline: 'awf',
          }),
          { code: 'INVALID_INPUT' },
        );
        assert.deepEqual(await controlPlaneFingerprint(database), before);
      });

      it('lists expired overrides as such, and clear-all removes every one with one entry', async () => {
        await plane.rollout.setOverride(actors.principals.operator, {
          kind: 'session',
          subjectId: 'session-456',
          pipeline: 'legacy',
          expiresAt: new Date(now + 1000),
        });
        await plane.rollout.setOverride(actors.principals.operator, {
          kind: 'user',
          subjectId: 'user-9',
          pipeline: 'awf',
        });
        now += 2000;
        const listed = await plane.rollout.listOverrides();
        assert.deepEqual(
          listed.map((override) => [override.kind, override.subjectId, override.state]),
          [
            ['session', 'session-456', 'expired'],
            ['user', 'user-9', 'active'],
          ],
        );
        const seq = (await plane.audit.head())?.seq ?? 0;
        const change = await plane.rollout.clearAllOverrides(actors.principals.admin);
        assert.equal(change.previous.length, 2);
        assert.deepEqual(await plane.rollout.listOverrides(), []);
        const entries = await plane.audit.query({ afterSeq: seq });
        assert.deepEqual(
          entries.map((entry) => [entry.action, entry.entity]),
          [['override.cleared_all', 'overrides']],
        );
      });
    });

    describe('.status()', () => {
      it('reports each value with its source and warns where env and store disagree', async () => {
        // Stored: flag on, percent 25.5; this process's env says flag off and percent 5.
        await plane.rollout.setRollout(actors.principals.admin, { globalEnabled: true, percent: 25.5 });
        const envPlane = wireControlPlane(database, {
          clock,
          env: { ...NO_ENV, envGlobalFlag: false, envPercent: 5 },
        });
        const { effective } = await envPlane.rollout.status();
        assert.equal(effective.globalEnabled.source, 'env');
        assert.equal(effective.globalEnabled.value, false);
        assert.equal(effective.percent.source, 'store');
        assert.equal(effective.percent.value, 25.5);
        assert.equal(effective.warnings.length, 2);
      });
    });

    describe('rollout state cache', () => {
      it('applies a change made through another connection within a second, and fails safe to legacy', async () => {
        const other = await database.reopen();
        const cache = createRolloutStateCache({
          db: database.db,
          store: plane.store,
          env: NO_ENV,
          intervalMs: 100,
          notifications: database.adapter,
        });
        const errors: unknown[] = [];
        const failing = createRolloutStateCache({
          db: other.db,
          store: plane.store,
          env: NO_ENV,
          intervalMs: 100,
          onStateError: (error) => errors.push(error),
        });
        try {
          // Its own starting state, whatever earlier tests left: flag on, nobody on AWF, no overrides.
          await plane.rollout.setRollout(actors.principals.admin, { globalEnabled: true, percent: 0 });
          await plane.rollout.clearAllOverrides(actors.principals.admin);
          await cache.refresh();
          cache.start();
          const subject = { sessionId: 's-1', userId: 'user-2' }; // bucket 9920
          assert.equal(bucketOf('user-2'), 9920);
          assert.equal(decideRoute(switches, cache.current(), subject, now).pipeline, 'legacy');

          const otherPlane = wireControlPlane(other, { clock });
          const changedAt = Date.now();
          await otherPlane.rollout.setPercent(actors.principals.admin, 100);
          while (decideRoute(switches, cache.current(), subject, now).pipeline !== 'awf') {
            assert.ok(Date.now() - changedAt < 1000, 'the change did not arrive within a second');
            await sleep(10);
          }
          await otherPlane.rollout.setOverride(actors.principals.admin, {
            kind: 'session',
            subjectId: 's-1',
            pipeline: 'legacy',
          });
          const overrideAt = Date.now();
          while (decideRoute(switches, cache.current(), subject, now).reason !== 'session_override') {
            assert.ok(Date.now() - overrideAt < 1000, 'the override did not arrive within a second');
            await sleep(10);
          }
          assert.deepEqual(cache.summary(now), {
            globalEnabled: true,
            percent: 100,
            overrides: { user: 0, session: 1 },
          });

          await failing.refresh();
          assert.ok(failing.current());
          await other.close();
          await failing.refresh();
          assert.equal(failing.current(), undefined);
          assert.equal(errors.length, 1);
          assert.deepEqual(decideRoute(switches, failing.current(), subject, now), {
            pipeline: 'legacy',
            reason: 'rollout_state_unavailable',
          });
        } finally {
          await cache.stop();
          await failing.stop();
          await other.close();
        }
      });
    });

    describe('.distribution()', () => {
      it('reports routed shares against the target and answered shares with fallbacks, and the bucket histogram', async () => {
        const at = new Date(now).toISOString();
        const old = new Date(now - 3 * 86_400_000).toISOString();
        // Buckets: user-123 4460 (bin 8), alice 5540 (bin 11), bob 5115 (bin 10), dave 2613 (bin 5).
        const turns: Array<Parameters<typeof insertTurn>[1]> = [
          { sessionId: 'd-1', userId: 'user-123', turnNo: 1, pipeline: 'awf', reason: 'percent_bucket', at },
          { sessionId: 'd-1', userId: 'user-123', turnNo: 2, pipeline: 'awf', reason: 'percent_bucket', at },
          { sessionId: 'd-2', userId: 'alice', turnNo: 1, pipeline: 'legacy', reason: 'percent_bucket', at },
          { sessionId: 'd-3', userId: 'bob', turnNo: 1, pipeline: 'legacy', reason: 'global_disabled', at },
          { sessionId: 'd-3', userId: 'bob', turnNo: 2, pipeline: 'awf', reason: 'user_override', at },
          // The router chose AWF for dave; AWF failed and legacy answered.
          {
            sessionId: 'd-4',
            userId: 'dave',
            turnNo: 1,
            pipeline: 'legacy',
            reason: 'percent_bucket',
            at,
            fellBack: true,
          },
          {
            sessionId: 'd-old',
            userId: 'carol',
            turnNo: 1,
            pipeline: 'awf',
            reason: 'percent_bucket',
            at: old,
          },
        ];
        for (const turn of turns) await insertTurn(database, turn);

        const d = await plane.rollout.distribution(new Date(now - 86_400_000));
        // Routed, as the router decided and the metrics label: dave's turn is an AWF turn.
        assert.deepEqual(d.routed.turns, { awf: 4, legacy: 2, awfPct: 66.67 });
        assert.deepEqual(d.routed.sessions, { awf: 3, legacy: 2, total: 4, awfPct: 75 });
        assert.deepEqual(d.routed.users, { awf: 3, legacy: 2, total: 4, awfPct: 75 });
        assert.deepEqual(d.routed.percentBucketTurns, { awf: 3, legacy: 1, awfPct: 75 });
        assert.deepEqual(d.routed.byReason, {
          percent_bucket: { awf: 3, legacy: 1 },
          global_disabled: { awf: 0, legacy: 1 },
          user_override: { awf: 1, legacy: 0 },
        });
        // Answered: legacy produced dave's answer, so the fallback counts as legacy.
        assert.deepEqual(d.answered.turns, { awf: 3, legacy: 3, awfPct: 50 });
        assert.deepEqual(d.answered.sessions, { awf: 2, legacy: 3, total: 4, awfPct: 50 });
        assert.deepEqual(d.answered.users, { awf: 2, legacy: 3, total: 4, awfPct: 50 });
        assert.deepEqual(d.answered.byReason.percent_bucket, { awf: 2, legacy: 2 });
        assert.equal(d.answered.fallbacks, 1);
        const bins = d.histogram.filter((bin) => bin.users > 0);
        assert.deepEqual(
          bins.map((bin) => [bin.fromBucket, bin.users, bin.awfUsers]),
          [
            [2500, 1, 1],
            [4000, 1, 1],
            [5000, 1, 1],
            [5500, 1, 0],
          ],
        );
        const text = formatDistribution(d).join('\n');
        assert.match(
          text,
          /routed: the pipeline the router chose .*\n {4}turns {5}awf 4 {2}legacy 2 {2}awf share 66\.67 %/,
        );
        assert.match(text, /turns decided by the percentage: awf share 75\.00 % \(target \d+(\.\d+)? %\)/);
        assert.match(
          text,
          /answered: the pipeline that produced the answer \(a fallback counts as legacy\)\n {4}turns {5}awf 3 {2}legacy 3 {2}awf share 50\.00 % {2}\(1 fell back from awf\)/,
        );
        assert.equal(d.histogram.length, 20);
        assert.equal(d.histogramTruncated, false);
      });
    });
  });
}
