import type { Kysely } from 'kysely';
import { SessionExistsError, TurnConflictError } from '../shared/errors.js';
import type { DatabaseSchema } from './schema.js';
import { toSession, toSessionRow, toTurnRecord, toTurnRow } from './session-rows.js';
import type { SessionStore } from './session-store.js';

/**
 * The SessionStore over Kysely, one implementation for SQLite and PostgreSQL. A session's id, user,
 * seed and creation time are fixed at creation; commitTurn writes its state, turn count, last choices
 * and update time.
 */
export function createKyselySessionStore(db: Kysely<DatabaseSchema>): SessionStore {
  const store: SessionStore = {
    async createSession(session) {
      // ON CONFLICT DO NOTHING is portable and race-free, unlike matching each driver's unique-violation code.
      const inserted = await db
        .insertInto('sessions')
        .values(toSessionRow(session))
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

    async recentTurns(sessionId, options) {
      const turns = await store.listTurns(sessionId, options);
      return turns.map((turn) => ({ turnNo: turn.turnNo, input: turn.input, txt: turn.result.txt }));
    },
  };
  return store;
}
