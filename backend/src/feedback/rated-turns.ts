import type { Kysely } from 'kysely';
import type { Pipeline } from '../game/game-types.js';
import type { DatabaseSchema } from '../store/schema.js';

/** What feedback needs of a rated turn: who played it and which pipeline answered it, from the turn record. */
export interface RatedTurn {
  sessionId: string;
  turnNo: number;
  userId: string;
  /** The pipeline that answered: an AWF turn that fell back is `legacy`. */
  pipeline: Pipeline;
  /** Why the router chose the pipeline it chose (the turn's route reason). */
  routeReason: string;
  /** The turn was routed to AWF and answered by legacy. */
  fallback: boolean;
  fallbackReason?: string;
}

/**
 * What feedback reads about turns (CONVENTIONS 3): a read model over the turn log, never the request,
 * so a rating is attributed to the pipeline that really answered.
 */
export interface RatedTurns {
  findTurn(sessionId: string, turnNo: number): Promise<RatedTurn | undefined>;
  hasSession(sessionId: string): Promise<boolean>;
}

/** The read model over the `turns` and `sessions` tables. */
export function createKyselyRatedTurns(db: Kysely<DatabaseSchema>): RatedTurns {
  return {
    async findTurn(sessionId, turnNo) {
      const row = await db
        .selectFrom('turns')
        .select([
          'session_id',
          'turn_no',
          'user_id',
          'pipeline',
          'route_reason',
          'fallback',
          'fallback_reason',
        ])
        .where('session_id', '=', sessionId)
        .where('turn_no', '=', turnNo)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        sessionId: row.session_id,
        turnNo: row.turn_no,
        userId: row.user_id,
        pipeline: row.pipeline,
        routeReason: row.route_reason,
        fallback: Number(row.fallback) === 1,
        ...(row.fallback_reason === null ? {} : { fallbackReason: row.fallback_reason }),
      };
    },
    async hasSession(sessionId) {
      const row = await db
        .selectFrom('sessions')
        .select('session_id')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
