import type { Kysely } from 'kysely';
import type { Choice, GameState, Session, TurnRecord, TurnResult } from '../game/game-types.js';
import { SessionExistsError, TurnConflictError } from '../shared/errors.js';
import type { DatabaseSchema, NewTurnRow, SessionRow, TurnRow } from './schema.js';
import type { SessionStore } from './session-store.js';

/**
 * The SessionStore over Kysely, one implementation for SQLite and PostgreSQL. A session's id, user,
 * seed and creation time are fixed at creation; commitTurn writes its state, turn count, last choices
 * and update time.
 */
export function createKyselySessionStore(db: Kysely<DatabaseSchema>): SessionStore {
  return {
    async createSession(session) {
      // ON CONFLICT DO NOTHING is portable and race-free, unlike matching each driver's unique-violation code.
      const inserted = await db
        .insertInto('sessions')
        .values({
          session_id: session.sessionId,
          user_id: session.userId,
          seed: session.seed,
          state: JSON.stringify(session.state),
          turn_count: session.turnCount,
          last_choices: JSON.stringify(session.lastChoices),
          created_at: session.createdAt,
          updated_at: session.updatedAt,
        })
        .onConflict((conflict) => conflict.column('session_id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) throw new SessionExistsError(session.sessionId);
    },

    async getSession(sessionId) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row && toSession(row);
    },

    async commitTurn(session, expectedTurnCount, record) {
      await db.transaction().execute(async (trx) => {
        // The turn_count guard makes this a compare-and-set: of two racing turns only one matches, and
        // on PostgreSQL the loser re-checks the guard after the winner's row lock is released.
        const updated = await trx
          .updateTable('sessions')
          .set({
            state: JSON.stringify(session.state),
            turn_count: session.turnCount,
            last_choices: JSON.stringify(session.lastChoices),
            updated_at: session.updatedAt,
          })
          .where('session_id', '=', session.sessionId)
          .where('turn_count', '=', expectedTurnCount)
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) throw new TurnConflictError(session.sessionId);
        await trx.insertInto('turns').values(toTurnRow(record)).execute();
      });
    },

    async listTurns(sessionId, options) {
      let query = db.selectFrom('turns').selectAll().where('session_id', '=', sessionId);
      if (options?.beforeTurnNo !== undefined) query = query.where('turn_no', '<', options.beforeTurnNo);
      if (options?.last !== undefined) query = query.orderBy('turn_no', 'desc').limit(options.last);
      const rows = await query.execute();
      return rows.map(toTurnRecord).sort((a, b) => a.turnNo - b.turnNo);
    },
  };
}

function toSession(row: SessionRow): Session {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    seed: Number(row.seed),
    state: JSON.parse(row.state) as GameState,
    turnCount: row.turn_count,
    lastChoices: JSON.parse(row.last_choices) as Choice[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toTurnRow(record: TurnRecord): NewTurnRow {
  const { result } = record;
  return {
    session_id: record.sessionId,
    turn_no: record.turnNo,
    user_id: record.userId,
    input: record.input,
    pipeline: result.pipeline,
    route_reason: record.routeReason,
    scene: result.scene,
    retried: result.retried ? 1 : 0,
    fallback: result.fallback ? 1 : 0,
    fallback_reason: result.fallbackReason ?? null,
    latency_ms: result.latencyMs,
    result: JSON.stringify(result),
    created_at: record.createdAt,
  };
}

function toTurnRecord(row: TurnRow): TurnRecord {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    turnNo: row.turn_no,
    input: row.input,
    routeReason: row.route_reason,
    result: JSON.parse(row.result) as TurnResult,
    createdAt: row.created_at,
  };
}
