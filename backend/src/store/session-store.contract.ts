import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Session, TurnRecord, TurnResult } from '../game/game-types.js';
import { SessionExistsError, TurnConflictError } from '../shared/errors.js';
import type { Database } from './database.js';
import { createKyselySessionStore } from './kysely-session-store.js';
import { createMigrator, migrateToLatest } from './migrations/migrator.js';
import type { DatabaseSchema } from './schema.js';
import type { SessionStore } from './session-store.js';
import type { TestDatabase, TestDatabaseTarget } from './testing/test-databases.js';

let nextId = 0;
/** Ids unique within the suite, so tests share one database without seeing each other's rows. */
function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}-${Math.random().toString(16).slice(2, 8)}`;
}

function aSession(overrides: Partial<Session> = {}): Session {
  return {
    sessionId: uniqueId('session'),
    userId: 'user-ada',
    // Above 2^31 so a 32-bit column would not hold it.
    seed: 4_294_967_295,
    state: {
      scene: 'harbor',
      flags: { 'met-keeper': true, 'lamp-lit': false },
      inventory: ['rope', 'brass-key'],
      relationships: { keeper: 2, smuggler: -3 },
    },
    turnCount: 0,
    lastChoices: [
      { id: '1', label: 'Walk to the lighthouse' },
      { id: '2', label: 'Ask the keeper — «¿qué pasó?» 🌊' },
    ],
    createdAt: '2025-01-02T03:04:05.678Z',
    updatedAt: '2025-01-02T03:04:05.678Z',
    ...overrides,
  };
}

function aTurnResult(overrides: Partial<TurnResult> = {}): TurnResult {
  return {
    turnId: uniqueId('turn'),
    pipeline: 'awf',
    txt: 'The lamp flickers as you climb.\n"Who goes there?"',
    choices: [{ id: '1', label: 'Answer' }],
    scene: 'lighthouse',
    sceneChange: true,
    acts: [
      { type: 'SCENE_CHANGE', to: 'lighthouse' },
      { type: 'NPC_RELATIONSHIP', npc: 'keeper', delta: 1 },
    ],
    latencyMs: 123.456,
    retried: false,
    fallback: false,
    tokens: { in: 812, out: 97 },
    bundleBytes: 4096,
    ...overrides,
  };
}

function aTurnRecord(session: Session, turnNo: number, result: Partial<TurnResult> = {}): TurnRecord {
  return {
    sessionId: session.sessionId,
    userId: session.userId,
    turnNo,
    input: `go on (${turnNo})`,
    routeReason: 'percent_bucket',
    result: aTurnResult(result),
    createdAt: `2025-01-02T03:05:${String(turnNo % 60).padStart(2, '0')}.000Z`,
  };
}

/** The session as it is after its next turn. */
function afterTurn(session: Session, scene: string): Session {
  return {
    ...session,
    state: {
      ...session.state,
      scene,
      inventory: [...session.state.inventory, `item-${session.turnCount + 1}`],
    },
    turnCount: session.turnCount + 1,
    lastChoices: [{ id: '1', label: `Look around ${scene}` }],
    updatedAt: `2025-01-02T04:00:${String(session.turnCount + 1).padStart(2, '0')}.000Z`,
  };
}

/** Writes a turn row behind the store's back, to set up states commitTurn would not produce. */
async function insertTurnRow(db: Kysely<DatabaseSchema>, record: TurnRecord): Promise<void> {
  await db
    .insertInto('turns')
    .values({
      session_id: record.sessionId,
      turn_no: record.turnNo,
      user_id: record.userId,
      input: record.input,
      pipeline: record.result.pipeline,
      route_reason: record.routeReason,
      scene: record.result.scene,
      retried: record.result.retried ? 1 : 0,
      fallback: record.result.fallback ? 1 : 0,
      fallback_reason: record.result.fallbackReason ?? null,
      latency_ms: record.result.latencyMs,
      result: JSON.stringify(record.result),
      created_at: record.createdAt,
    })
    .execute();
}

/** A SessionStore implementation under test, built over an open database. */
export interface SessionStoreImplementation {
  name: string;
  create(database: Database): SessionStore;
}

/** The store a database opens with (SQLite: on the driver; PostgreSQL: Kysely). */
export const DATABASE_SESSIONS: SessionStoreImplementation = {
  name: 'database.sessions',
  create: (database) => database.sessions,
};

/** The Kysely store, which PostgreSQL uses and SQLite could. */
export const KYSELY_SESSIONS: SessionStoreImplementation = {
  name: 'Kysely',
  create: (database) => createKyselySessionStore(database.db),
};

/** The SessionStore contract: every implementation and dialect must pass it unchanged. */
export function sessionStoreContract(
  target: TestDatabaseTarget,
  implementation: SessionStoreImplementation = DATABASE_SESSIONS,
): void {
  describe(`SessionStore (${target.name}, ${implementation.name})`, () => {
    let database: TestDatabase;
    let store: SessionStore;

    before(async () => {
      database = await target.open();
      store = implementation.create(database);
    });

    after(async () => {
      await database?.close();
    });

    describe('.createSession()', () => {
      it('stores a session that getSession() returns exactly as it went in', async () => {
        const session = aSession();
        await store.createSession(session);
        assert.deepEqual(await store.getSession(session.sessionId), session);
      });

      it('throws SessionExistsError when the id is taken, and keeps the first session', async () => {
        const first = aSession();
        await store.createSession(first);
        const second = aSession({ sessionId: first.sessionId, userId: 'user-bob', seed: 7 });

        await assert.rejects(store.createSession(second), SessionExistsError);
        assert.deepEqual(await store.getSession(first.sessionId), first);
      });
    });

    describe('.getSession()', () => {
      it('returns undefined for an unknown id', async () => {
        assert.equal(await store.getSession(uniqueId('missing')), undefined);
      });
    });

    describe('.commitTurn()', () => {
      it('persists the updated session and the turn record together', async () => {
        const session = aSession();
        await store.createSession(session);
        const next = afterTurn(session, 'lighthouse');
        const record = aTurnRecord(next, 1);

        await store.commitTurn(next, 0, record);

        assert.deepEqual(await store.getSession(session.sessionId), next);
        assert.deepEqual(await store.listTurns(session.sessionId), [record]);
      });

      it('keeps a fallback turn with its reason and a turn without one exactly', async () => {
        const session = aSession();
        await store.createSession(session);
        const first = afterTurn(session, 'harbor');
        const fallbackTurn = aTurnRecord(first, 1, {
          pipeline: 'legacy',
          retried: true,
          fallback: true,
          fallbackReason: 'invalid_output',
          acts: [],
        });
        const second = afterTurn(first, 'cliffs');
        const plainTurn = aTurnRecord(second, 2);

        await store.commitTurn(first, 0, fallbackTurn);
        await store.commitTurn(second, 1, plainTurn);

        const turns = await store.listTurns(session.sessionId);
        assert.deepEqual(turns, [fallbackTurn, plainTurn]);
        assert.equal('fallbackReason' in (turns[1]?.result ?? {}), false);
      });

      it('throws TurnConflictError when expectedTurnCount is stale, and changes neither session nor turns', async () => {
        const session = aSession();
        await store.createSession(session);
        const winner = afterTurn(session, 'lighthouse');
        const winnerTurn = aTurnRecord(winner, 1);
        await store.commitTurn(winner, 0, winnerTurn);

        const loser = afterTurn(session, 'cliffs');
        await assert.rejects(store.commitTurn(loser, 0, aTurnRecord(loser, 1)), TurnConflictError);

        assert.deepEqual(await store.getSession(session.sessionId), winner);
        assert.deepEqual(await store.listTurns(session.sessionId), [winnerTurn]);
      });

      it('throws TurnConflictError for an unknown session, and writes no turn', async () => {
        const ghost = afterTurn(aSession(), 'harbor');
        await assert.rejects(store.commitTurn(ghost, 0, aTurnRecord(ghost, 1)), TurnConflictError);
        assert.deepEqual(await store.listTurns(ghost.sessionId), []);
      });

      it('rolls back the session update when the turn insert fails', async () => {
        const session = aSession();
        await store.createSession(session);
        const squatter = aTurnRecord(session, 1, { txt: 'already here' });
        await insertTurnRow(database.db, squatter);
        const next = afterTurn(session, 'lighthouse');

        await assert.rejects(store.commitTurn(next, 0, aTurnRecord(next, 1)));

        assert.deepEqual(await store.getSession(session.sessionId), session);
        assert.deepEqual(await store.listTurns(session.sessionId), [squatter]);
      });

      it('lets exactly one of several concurrent turns on one session win', async () => {
        const session = aSession();
        await store.createSession(session);
        const contenders = ['harbor', 'lighthouse', 'cliffs', 'cave', 'village'].map((scene) => {
          const next = afterTurn(session, scene);
          return { next, record: aTurnRecord(next, 1, { scene }) };
        });

        const outcomes = await Promise.allSettled(
          contenders.map(({ next, record }) => store.commitTurn(next, 0, record)),
        );

        const winners = contenders.filter((_, i) => outcomes[i]?.status === 'fulfilled');
        assert.equal(winners.length, 1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof TurnConflictError);
        }
        assert.deepEqual(await store.getSession(session.sessionId), winners[0]?.next);
        assert.deepEqual(await store.listTurns(session.sessionId), [winners[0]?.record]);
      });

      it('commits turns of several sessions made at once, and a failing one among them fails alone', async () => {
        const sessions = [1, 2, 3, 4].map(() => aSession({ sessionId: uniqueId('together') }));
        for (const session of sessions) await store.createSession(session);
        // The third session already has a turn 1 that its new turn 1 collides with.
        const squatter = aTurnRecord(sessions[2] as Session, 1, { txt: 'already here' });
        await insertTurnRow(database.db, squatter);
        const nexts = sessions.map((session) => afterTurn(session, 'lighthouse'));
        const records = nexts.map((next) => aTurnRecord(next, 1));

        const outcomes = await Promise.allSettled(
          nexts.map((next, i) => store.commitTurn(next, 0, records[i] as TurnRecord)),
        );

        assert.deepEqual(
          outcomes.map((outcome) => outcome.status),
          ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
        );
        for (const i of [0, 1, 3]) {
          assert.deepEqual(await store.getSession(nexts[i]?.sessionId as string), nexts[i]);
          assert.deepEqual(await store.listTurns(nexts[i]?.sessionId as string), [records[i]]);
        }
        assert.deepEqual(await store.getSession(sessions[2]?.sessionId as string), sessions[2]);
        assert.deepEqual(await store.listTurns(sessions[2]?.sessionId as string), [squatter]);
      });

      if (target.name === 'postgres') {
        it('lets exactly one of concurrent turns from two instances win', async () => {
          const other = await database.reopen();
          try {
            const stores = [store, implementation.create(other)];
            const session = aSession();
            await store.createSession(session);
            const contenders = Array.from({ length: 6 }, (_, i) => {
              const next = afterTurn(session, `scene-${i}`);
              return { store: stores[i % 2] as SessionStore, next, record: aTurnRecord(next, 1) };
            });

            const outcomes = await Promise.allSettled(
              contenders.map((c) => c.store.commitTurn(c.next, 0, c.record)),
            );

            const winners = contenders.filter((_, i) => outcomes[i]?.status === 'fulfilled');
            assert.equal(winners.length, 1);
            assert.deepEqual(await store.listTurns(session.sessionId), [winners[0]?.record]);
          } finally {
            await other.close();
          }
        });
      }
    });

    describe('.listTurns()', () => {
      it('returns the turns of a session ordered by turn number, not by insertion order', async () => {
        const session = aSession();
        const neighbour = aSession();
        await store.createSession(session);
        await store.createSession(neighbour);
        const [t3, t1, t10, t2] = [3, 1, 10, 2].map((turnNo) => aTurnRecord(session, turnNo));
        for (const record of [t3, t1, aTurnRecord(neighbour, 1), t10, t2]) {
          await insertTurnRow(database.db, record as TurnRecord);
        }

        assert.deepEqual(await store.listTurns(session.sessionId), [t1, t2, t3, t10]);
      });

      it('with `last` returns only the most recent turns, oldest first', async () => {
        const session = aSession();
        await store.createSession(session);
        const records = [1, 2, 3, 4].map((turnNo) => aTurnRecord(session, turnNo));
        for (const record of records) await insertTurnRow(database.db, record as TurnRecord);

        assert.deepEqual(await store.listTurns(session.sessionId, { last: 2 }), records.slice(2));
      });

      it('returns an empty list for a session without turns', async () => {
        const session = aSession();
        await store.createSession(session);
        assert.deepEqual(await store.listTurns(session.sessionId), []);
      });
    });

    describe('.recentTurns()', () => {
      it('returns the number, input and narration of the most recent turns, oldest first', async () => {
        const session = aSession();
        await store.createSession(session);
        const records = [4, 1, 3, 2].map((turnNo) =>
          aTurnRecord(session, turnNo, { txt: `Turn ${turnNo}: «¿qué?» "quoted" \\ back\nslash 🌊` }),
        );
        for (const record of records) await insertTurnRow(database.db, record);

        assert.deepEqual(
          await store.recentTurns(session.sessionId, { last: 3 }),
          [2, 3, 4].map((turnNo) => ({
            turnNo,
            input: `go on (${turnNo})`,
            txt: `Turn ${turnNo}: «¿qué?» "quoted" \\ back\nslash 🌊`,
          })),
        );
      });

      it('with `beforeTurnNo` returns the most recent turns numbered below it', async () => {
        const session = aSession();
        await store.createSession(session);
        for (const turnNo of [1, 2, 3, 4, 5]) await insertTurnRow(database.db, aTurnRecord(session, turnNo));

        const recent = await store.recentTurns(session.sessionId, { last: 3, beforeTurnNo: 5 });
        assert.deepEqual(
          recent.map((turn) => turn.turnNo),
          [2, 3, 4],
        );
        assert.deepEqual(await store.recentTurns(session.sessionId, { last: 3, beforeTurnNo: 1 }), []);
      });

      it('matches listTurns for the same turns', async () => {
        const session = aSession();
        await store.createSession(session);
        const first = afterTurn(session, 'lighthouse');
        await store.commitTurn(first, 0, aTurnRecord(first, 1, { txt: 'Line one.\n\n"Line two" — ✓' }));
        const second = afterTurn(first, 'cliffs');
        await store.commitTurn(second, 1, aTurnRecord(second, 2));

        const listed = await store.listTurns(session.sessionId, { last: 3 });
        assert.deepEqual(
          await store.recentTurns(session.sessionId, { last: 3 }),
          listed.map((turn) => ({ turnNo: turn.turnNo, input: turn.input, txt: turn.result.txt })),
        );
      });

      it('returns an empty list for a session without turns', async () => {
        const session = aSession();
        await store.createSession(session);
        assert.deepEqual(await store.recentTurns(session.sessionId, { last: 3 }), []);
      });
    });

    describe('migrations', () => {
      it('are idempotent: opening the same database again applies nothing and keeps the data', async () => {
        const session = aSession();
        await store.createSession(session);

        const reopened = await database.reopen();
        try {
          assert.deepEqual(await migrateToLatest(reopened.db), []);
          const migrations = await createMigrator(reopened.db).getMigrations();
          assert.ok(migrations.length > 0);
          assert.ok(migrations.every((migration) => migration.executedAt !== undefined));
          assert.deepEqual(await implementation.create(reopened).getSession(session.sessionId), session);
        } finally {
          await reopened.close();
        }
      });
    });
  });
}
