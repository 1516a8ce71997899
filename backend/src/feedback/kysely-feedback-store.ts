import type { Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { FeedbackTable } from '../store/schema.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import type { FeedbackStore } from './feedback-store.js';
import type { Feedback, FeedbackReason } from './feedback-types.js';

/** The FeedbackStore over Kysely, one implementation for SQLite and PostgreSQL. */
export function createKyselyFeedbackStore(database: Database): FeedbackStore {
  const { db } = database;
  return {
    async rate(turn, input, at) {
      return withWriteTransaction(database, async (trx) => {
        const key = { session_id: turn.sessionId, turn_no: turn.turnNo };
        const rating = {
          rating: input.rating,
          reason: input.reason ?? null,
          comment: input.comment ?? null,
          updated_at: at,
        };
        // Insert first: when two instances rate the same turn at once, one inserts and the other
        // finds the row and replaces it under the row lock, so the counts move exactly once each.
        const inserted = await trx
          .insertInto('feedback')
          .values({
            ...key,
            user_id: turn.userId,
            pipeline: turn.pipeline,
            route_reason: turn.routeReason,
            fallback: turn.fallback ? 1 : 0,
            fallback_reason: turn.fallbackReason ?? null,
            ...rating,
            created_at: at,
          })
          .onConflict((conflict) => conflict.columns(['session_id', 'turn_no']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
          const row = await trx
            .selectFrom('feedback')
            .selectAll()
            .where('session_id', '=', key.session_id)
            .where('turn_no', '=', key.turn_no)
            .executeTakeFirstOrThrow();
          return { feedback: toFeedback(row) };
        }
        const old = await database.adapter
          .lockRowsForUpdate(
            trx
              .selectFrom('feedback')
              .selectAll()
              .where('session_id', '=', key.session_id)
              .where('turn_no', '=', key.turn_no),
          )
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('feedback')
          .set(rating)
          .where('session_id', '=', key.session_id)
          .where('turn_no', '=', key.turn_no)
          .execute();
        const previous = toFeedback(old);
        return {
          feedback: toFeedback({ ...old, ...rating }),
          previous: { rating: previous.rating, ...(previous.reason ? { reason: previous.reason } : {}) },
        };
      });
    },

    async listRecent(filter) {
      let query = db
        .selectFrom('feedback')
        .selectAll()
        .where('updated_at', '>=', filter.since)
        .orderBy('updated_at', 'desc')
        .orderBy('session_id')
        .orderBy('turn_no')
        .limit(filter.limit);
      if (filter.pipeline) query = query.where('pipeline', '=', filter.pipeline);
      if (filter.rating) query = query.where('rating', '=', filter.rating);
      return (await query.execute()).map(toFeedback);
    },

    async prune(beforeIso) {
      const deleted = await db.deleteFrom('feedback').where('updated_at', '<', beforeIso).executeTakeFirst();
      return Number(deleted.numDeletedRows);
    },
  };
}

function toFeedback(row: Selectable<FeedbackTable>): Feedback {
  return {
    sessionId: row.session_id,
    turnNo: Number(row.turn_no),
    userId: row.user_id,
    pipeline: row.pipeline,
    routeReason: row.route_reason,
    fallback: Number(row.fallback) === 1,
    ...(row.fallback_reason === null ? {} : { fallbackReason: row.fallback_reason }),
    rating: row.rating,
    ...(row.reason === null ? {} : { reason: row.reason as FeedbackReason }),
    ...(row.comment === null ? {} : { comment: row.comment }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
