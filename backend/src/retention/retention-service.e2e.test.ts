import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServices } from '../app/create-services.js';
import { parseConfig } from '../config/config.js';
import {
  type ControlPlane,
  controlPlaneFingerprint,
  type SeededActors,
  seedActors,
  wireControlPlane,
} from '../rollout/testing/control-plane.js';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { createRetention } from './create-retention.js';
import type { RetentionService } from './retention-service.js';

const DAY_MS = 86_400_000;

interface Setup {
  database: TestDatabase;
  plane: ControlPlane;
  actors: SeededActors;
  retention: RetentionService;
}

/** A fresh database with the control plane, one actor of each role and retention wired as the app does. */
async function withRetention(
  open: () => Promise<TestDatabase>,
  config: { sloDays: number; turnDays?: number },
  test: (setup: Setup) => Promise<void>,
): Promise<void> {
  const database = await open();
  try {
    const plane = wireControlPlane(database);
    const actors = await seedActors(plane.auth);
    const retention = createRetention(
      {
        sloMonitoring: { retentionDays: config.sloDays } as never,
        retention: { turnDays: config.turnDays, intervalSeconds: 0 },
      },
      { database, audit: plane.audit, rateLimiter: plane.auth, log: () => {} },
    );
    await test({ database, plane, actors, retention });
  } finally {
    await database.close();
  }
}

/** A session with `turns` turn records created `ageDays` ago (turn numbers from `firstTurn`). */
async function insertTurns(
  database: Database,
  sessionId: string,
  ageDays: number,
  turns: number,
  firstTurn = 1,
): Promise<void> {
  const at = new Date(Date.now() - ageDays * DAY_MS).toISOString();
  const { db } = database;
  if (firstTurn === 1) {
    await db
      .insertInto('sessions')
      .values({
        session_id: sessionId,
        user_id: sessionId,
        seed: 1,
        state: JSON.stringify({
          scene: 'moonlit-glade',
          flags: {},
          inventory: ['lantern'],
          relationships: {},
        }),
        turn_count: turns,
        last_choices: '[]',
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  const rows = Array.from({ length: turns }, (_, i) => ({
    session_id: sessionId,
    turn_no: firstTurn + i,
    user_id: sessionId,
    input: 'look around',
    pipeline: 'awf' as const,
    route_reason: 'percent_bucket',
    scene: 'moonlit-glade',
    retried: 0 as const,
    fallback: 0 as const,
    fallback_reason: null,
    latency_ms: 12,
    result: '{}',
    created_at: at,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('turns')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}

/** SLO minutes, history points and a resolved and an open alert, `ageDays` old. */
async function insertSloData(database: Database, ageDays: number, tag: string): Promise<void> {
  const minute = Math.floor((Date.now() - ageDays * DAY_MS) / 60_000);
  const at = new Date(minute * 60_000).toISOString();
  const { db } = database;
  await db
    .insertInto('slo_minutes')
    .values(
      (['awf', 'legacy'] as const).map((pipeline) => ({
        minute,
        instance_id: `i-${tag}`,
        pipeline,
        turns: 10,
        retries: 0,
        fallbacks: 0,
        fallback_reasons: '{}',
        failures: 0,
        latency_sketch: '',
        feedback_up: 0,
        feedback_down: 0,
        feedback_down_reasons: '{}',
        shadow_valid_after_retry: 0,
        shadow_compared: 0,
        shadow_same_scene: 0,
        shadow_same_scene_change: 0,
        shadow_same_acts: 0,
        shadow_choice_shared: 0,
        shadow_choice_union: 0,
        shadow_tokens_in: 0,
        shadow_tokens_out: 0,
        shadow_bundle_bytes: 0,
        shadow_drop_reasons: '{}',
        updated_at: at,
      })),
    )
    .execute();
  await db
    .insertInto('slo_history')
    .values({
      minute,
      slo: 'fallback_rate',
      eval_window: '5m',
      value: 0,
      threshold: 1,
      sample: 10,
      state: 'ok',
    })
    .execute();
  await db
    .insertInto('slo_alerts')
    .values({
      id: `resolved-${tag}`,
      slo: 'fallback_rate',
      severity: 'critical',
      eval_window: '5m',
      threshold: 1,
      fired_value: 5,
      fired_sample: 100,
      fired_at: at,
      fired_by: 'i',
      resolved_at: at,
      resolved_value: 0,
      resolved_sample: 100,
      resolved_by: 'i',
      resolved_reason: 'recovered',
    })
    .execute();
}

async function counts(database: Database) {
  const { db } = database;
  const count = async (
    table: 'turns' | 'sessions' | 'slo_minutes' | 'slo_history' | 'slo_alerts' | 'audit_log',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select(({ fn }) => fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    turns: await count('turns'),
    sessions: await count('sessions'),
    sloMinutes: await count('slo_minutes'),
    sloHistory: await count('slo_history'),
    sloAlerts: await count('slo_alerts'),
    audit: await count('audit_log'),
  };
}

for (const target of testDatabaseTargets()) {
  describe(`retention service (${target.name})`, () => {
    describe('.status()', () => {
      it('while nothing is stored, shows SLO_RETENTION_DAYS and AWF_TURN_RETENTION_DAYS, and the audit log kept forever', async () => {
        await withRetention(target.open, { sloDays: 45 }, async ({ retention, actors }) => {
          const status = await retention.status(actors.principals.auditor);
          assert.deepEqual(
            [status.sloDays.value, status.sloDays.source, status.turnDays.value, status.turnDays.source],
            [45, 'config', null, 'config'],
          );
          assert.equal(status.auditLog, 'kept forever');
        });
      });

      it('needs retention.read: viewers and operators are refused', async () => {
        await withRetention(target.open, { sloDays: 30 }, async ({ retention, actors }) => {
          for (const role of ['viewer', 'operator'] as const) {
            await assert.rejects(retention.status(actors.principals[role]), { code: 'AUTH_FORBIDDEN' });
          }
          assert.equal((await retention.status(actors.principals.admin)).sloDays.value, 30);
        });
      });
    });

    describe('.set()', () => {
      it('stores the policy with one retention.set entry holding the previous and new values', async () => {
        await withRetention(
          target.open,
          { sloDays: 30, turnDays: 90 },
          async ({ retention, actors, plane }) => {
            const change = await retention.set(actors.principals.admin, { sloDays: 60 });
            assert.deepEqual(change.previous, { sloDays: 30, turnDays: 90 });
            assert.deepEqual(change.new, { sloDays: 60, turnDays: 90 });
            const forever = await retention.set(actors.principals.admin, { turnDays: null });
            assert.deepEqual(forever.new, { sloDays: 60, turnDays: null });
            const entries = await plane.audit.query({ action: 'retention.set', order: 'asc' });
            assert.deepEqual(
              entries.map((entry) => [entry.actor, entry.seq, entry.details]),
              [
                [
                  'admin',
                  change.auditSeq,
                  { previous: { sloDays: 30, turnDays: 90 }, new: { sloDays: 60, turnDays: 90 } },
                ],
                [
                  'admin',
                  forever.auditSeq,
                  { previous: { sloDays: 60, turnDays: 90 }, new: { sloDays: 60, turnDays: null } },
                ],
              ],
            );
            const status = await retention.status(actors.principals.auditor);
            assert.deepEqual(
              [status.sloDays.value, status.sloDays.source, status.turnDays.value, status.turnDays.source],
              [60, 'store', null, 'store'],
            );
            assert.equal(status.updatedBy, 'admin');
          },
        );
      });

      it('refuses bad values and non-admins, changing nothing', async () => {
        await withRetention(target.open, { sloDays: 30 }, async ({ retention, actors, database }) => {
          const before = [
            await controlPlaneFingerprint(database),
            await database.db.selectFrom('retention_policy').selectAll().execute(),
          ];
          const admin = actors.principals.admin;
          for (const [input, message] of [
            [{ sloDays: 6 }, /sloDays must be an integer from 7 to 3650/],
            [{ sloDays: 3651 }, /sloDays must be an integer from 7 to 3650/],
            [{ turnDays: 0 }, /turnDays must be an integer from 1 to 3650/],
            [{ turnDays: 1.5 }, /turnDays must be an integer from 1 to 3650/],
            [{}, /give sloDays, turnDays or both/],
          ] as const) {
            await assert.rejects(retention.set(admin, input), { code: 'INVALID_INPUT', message });
          }
          for (const role of ['operator', 'auditor', 'viewer'] as const) {
            await assert.rejects(retention.set(actors.principals[role], { sloDays: 60 }), {
              code: 'AUTH_FORBIDDEN',
            });
          }
          assert.deepEqual(
            [
              await controlPlaneFingerprint(database),
              await database.db.selectFrom('retention_policy').selectAll().execute(),
            ],
            before,
          );
        });
      });
    });

    describe('.prune()', () => {
      it('removes SLO data and turn records older than the policy in batches, keeping sessions and the audit log', async () => {
        await withRetention(
          target.open,
          { sloDays: 30, turnDays: 60 },
          async ({ retention, actors, database, plane }) => {
            await insertTurns(database, 'old-session', 100, 2500); // more than two batches of 1000
            await insertTurns(database, 'mixed-session', 90, 2);
            await insertTurns(database, 'mixed-session', 1, 1, 3);
            await insertSloData(database, 40, 'old');
            await insertSloData(database, 1, 'new');
            const before = await counts(database);
            const auditBefore = await plane.audit.query({ order: 'asc', limit: 10_000 });

            const dry = await retention.prune(actors.principals.auditor, { dryRun: true });
            assert.deepEqual(dry.removed, {
              sloMinutes: 2,
              sloHistory: 1,
              sloAlerts: 1,
              feedback: 0,
              turns: 2502,
            });
            assert.deepEqual(await counts(database), before, 'a dry run deleted something');

            const done = await retention.prune(actors.principals.admin);
            assert.deepEqual(done.removed, {
              sloMinutes: 2,
              sloHistory: 1,
              sloAlerts: 1,
              feedback: 0,
              turns: 2502,
            });
            assert.deepEqual(await counts(database), {
              turns: 1,
              sessions: 2,
              sloMinutes: 2,
              sloHistory: 1,
              sloAlerts: 1,
              audit: before.audit + 1,
            });
            const session = await database.db
              .selectFrom('sessions')
              .select(['turn_count', 'state'])
              .where('session_id', '=', 'old-session')
              .executeTakeFirstOrThrow();
            assert.equal(session.turn_count, 2500);
            assert.match(session.state, /lantern/);
            const auditAfter = await plane.audit.query({ order: 'asc', limit: 10_000 });
            assert.deepEqual(auditAfter.slice(0, auditBefore.length), auditBefore);
            const [entry] = auditAfter.slice(auditBefore.length);
            assert.deepEqual(
              [entry?.actor, entry?.action, entry?.details.removed],
              ['admin', 'retention.pruned', done.removed],
            );
            assert.equal((await plane.audit.verify()).ok, true);

            const again = await retention.prune(undefined);
            assert.deepEqual(again.removed, {
              sloMinutes: 0,
              sloHistory: 0,
              sloAlerts: 0,
              feedback: 0,
              turns: 0,
            });
            assert.equal((await counts(database)).audit, before.audit + 1, 'an empty prune wrote an entry');
          },
        );
      });

      it('keeps every turn while turns are kept forever, and needs retention.manage (dry run: retention.read)', async () => {
        await withRetention(target.open, { sloDays: 30 }, async ({ retention, actors, database }) => {
          await insertTurns(database, 'ancient', 3000, 3);
          await assert.rejects(retention.prune(actors.principals.auditor), { code: 'AUTH_FORBIDDEN' });
          await assert.rejects(retention.prune(actors.principals.operator, { dryRun: true }), {
            code: 'AUTH_FORBIDDEN',
          });
          const done = await retention.prune(actors.principals.admin);
          assert.equal(done.removed.turns, 0);
          assert.equal((await counts(database)).turns, 3);
        });
      });
    });

    it('the server prunes on its timer (AWF_RETENTION_INTERVAL_SECONDS), as the "system" actor', async () => {
      const database = await target.open();
      // Wired as main.ts wires the server: the retention timer is on by default.
      const services = await createServices(
        parseConfig({
          ...(database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath as string }),
          AWF_TURN_RETENTION_DAYS: '7',
          AWF_RETENTION_INTERVAL_SECONDS: '1',
          SLO_EVALUATION_INTERVAL_SECONDS: '0',
          SLO_FLUSH_INTERVAL_SECONDS: '0',
          LOG_LEVEL: 'silent',
        }),
        { watchRollout: false },
      );
      try {
        await insertTurns(services.database, 'expired', 8, 2);
        await insertTurns(services.database, 'current', 6, 2);
        const pruned = await new Promise<boolean>((resolve) => {
          const deadline = setTimeout(() => resolve(false), 20_000);
          const poll = setInterval(async () => {
            const entries = await services.audit.query({ action: 'retention.pruned' });
            if (entries.length > 0) {
              clearInterval(poll);
              clearTimeout(deadline);
              resolve(true);
            }
          }, 100);
        });
        assert.ok(pruned, 'no retention.pruned entry within 20 s');
        const [entry] = await services.audit.query({ action: 'retention.pruned' });
        assert.equal(entry?.actor, 'system');
        assert.equal(entry?.details.removed && (entry.details.removed as { turns: number }).turns, 2);
        const left = await services.database.db.selectFrom('turns').select('session_id').execute();
        assert.deepEqual(
          left.map((row) => row.session_id),
          ['current', 'current'],
        );
      } finally {
        await services.close();
        await database.close();
      }
    });
  });
}
