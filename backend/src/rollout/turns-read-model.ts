import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Pipeline } from '../game/game-types.js';
import type { DatabaseSchema } from '../store/schema.js';

export interface PipelineCounts {
  awf: number;
  legacy: number;
}

/** Stored turns since an instant, split by one notion of pipeline. */
export interface PipelineTotals {
  turns: PipelineCounts;
  /** Distinct sessions with at least one turn on each pipeline; `total` counts each once. */
  sessions: PipelineCounts & { total: number };
  users: PipelineCounts & { total: number };
  /** Turns per route reason and pipeline. */
  byReason: Record<string, PipelineCounts>;
}

/**
 * How the stored turns since an instant split across the pipelines, two ways: `routed` by the
 * router's decision (a turn that fell back from AWF counts as awf: `pipeline = 'awf' or fallback = 1`),
 * as the metrics label turns; `answered` by the pipeline that produced the answer (the `pipeline`
 * column: a fallback counts as legacy).
 */
export interface TurnTotals {
  routed: PipelineTotals;
  answered: PipelineTotals;
  /** AWF-routed turns that legacy answered. */
  fallbacks: number;
}

export interface ActiveUser {
  userId: string;
  /** Turns routed to AWF (including those that fell back). */
  awfTurns: number;
  legacyTurns: number;
}

/**
 * What the rollout reads about turns (CONVENTIONS 3): a read model over the turn log, not the turn
 * service or its tables' writers.
 */
export interface TurnsReadModel {
  totals(since: string): Promise<TurnTotals>;
  /** Users with a turn since `since`, at most `limit` of them. */
  activeUsers(since: string, limit: number): Promise<ActiveUser[]>;
  /** Turns routed to AWF (a fallback counts) stored after `after` (every one when null). */
  awfTurnsAfter(after: string | null): Promise<number>;
  /** The stored user of each named session that exists (a session's turns bucket on its user). */
  sessionUsers(sessionIds: readonly string[]): Promise<Map<string, string>>;
}

/** The turns read model over the `turns` table (pipeline, fallback, route_reason, user_id, session_id, created_at). */
export function createKyselyTurnsReadModel(db: Kysely<DatabaseSchema>): TurnsReadModel {
  const routedAwf = (eb: ExpressionBuilder<DatabaseSchema, 'turns'>) =>
    eb.or([eb('pipeline', '=', 'awf'), eb('fallback', '=', 1)]);

  const distinctBy = async (column: 'session_id' | 'user_id', since: string) => {
    const count = async (
      where?: (eb: ExpressionBuilder<DatabaseSchema, 'turns'>) => Expression<SqlBool>,
    ): Promise<number> => {
      let query = db
        .selectFrom('turns')
        .select((eb) => eb.fn.count(column).distinct().as('n'))
        .where('created_at', '>=', since);
      if (where) query = query.where(where);
      return Number((await query.executeTakeFirst())?.n ?? 0);
    };
    const [total, routedAwfN, routedLegacyN, answeredAwfN, answeredLegacyN] = await Promise.all([
      count(),
      count(routedAwf),
      count((eb) => eb.not(routedAwf(eb))),
      count((eb) => eb('pipeline', '=', 'awf')),
      count((eb) => eb('pipeline', '=', 'legacy')),
    ]);
    return {
      routed: { awf: routedAwfN, legacy: routedLegacyN, total },
      answered: { awf: answeredAwfN, legacy: answeredLegacyN, total },
    };
  };

  return {
    async totals(since) {
      const rows = await db
        .selectFrom('turns')
        .select((eb) => ['route_reason', 'pipeline', 'fallback', eb.fn.countAll().as('n')])
        .where('created_at', '>=', since)
        .groupBy(['route_reason', 'pipeline', 'fallback'])
        .execute();
      const routed = { turns: { awf: 0, legacy: 0 }, byReason: {} as Record<string, PipelineCounts> };
      const answered = { turns: { awf: 0, legacy: 0 }, byReason: {} as Record<string, PipelineCounts> };
      let fallbacks = 0;
      for (const row of rows) {
        const n = Number(row.n);
        const fellBack = Number(row.fallback) === 1;
        const routedPipeline: Pipeline = row.pipeline === 'awf' || fellBack ? 'awf' : 'legacy';
        for (const [view, pipeline] of [
          [routed, routedPipeline],
          [answered, row.pipeline],
        ] as const) {
          const counts = view.byReason[row.route_reason] ?? { awf: 0, legacy: 0 };
          view.byReason[row.route_reason] = counts;
          counts[pipeline] += n;
          view.turns[pipeline] += n;
        }
        if (fellBack) fallbacks += n;
      }
      const [sessions, users] = await Promise.all([
        distinctBy('session_id', since),
        distinctBy('user_id', since),
      ]);
      return {
        routed: { ...routed, sessions: sessions.routed, users: users.routed },
        answered: { ...answered, sessions: sessions.answered, users: users.answered },
        fallbacks,
      };
    },

    async awfTurnsAfter(after) {
      let query = db
        .selectFrom('turns')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(routedAwf);
      if (after !== null) query = query.where('created_at', '>', after);
      return Number((await query.executeTakeFirst())?.n ?? 0);
    },

    async activeUsers(since, limit) {
      const rows = await db
        .selectFrom('turns')
        .select((eb) => [
          'user_id',
          eb.fn.sum<number>(eb.case().when(routedAwf(eb)).then(1).else(0).end()).as('awf'),
          eb.fn.countAll().as('n'),
        ])
        .where('created_at', '>=', since)
        .groupBy('user_id')
        .orderBy('user_id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        userId: row.user_id,
        awfTurns: Number(row.awf),
        legacyTurns: Number(row.n) - Number(row.awf),
      }));
    },

    async sessionUsers(sessionIds) {
      const users = new Map<string, string>();
      // Chunks keep the IN list under SQLite's bound-parameter limit.
      for (let start = 0; start < sessionIds.length; start += 500) {
        const rows = await db
          .selectFrom('sessions')
          .select(['session_id', 'user_id'])
          .where('session_id', 'in', sessionIds.slice(start, start + 500))
          .execute();
        for (const row of rows) users.set(row.session_id, row.user_id);
      }
      return users;
    },
  };
}
