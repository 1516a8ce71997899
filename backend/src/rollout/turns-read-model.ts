import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import type { Pipeline } from '../turns/turn-types.js';

export interface PipelineCounts {
  awf: number;
  legacy: number;
}

/** How the stored turns since an instant split across the pipelines. */
export interface TurnTotals {
  turns: PipelineCounts;
  /** Distinct sessions with at least one turn on each pipeline; `total` counts each once. */
  sessions: PipelineCounts & { total: number };
  users: PipelineCounts & { total: number };
  /** Turns per route reason and pipeline. */
  byReason: Record<string, PipelineCounts>;
}

export interface ActiveUser {
  userId: string;
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
}

/** The turns read model over the `turns` table (pipeline, route_reason, user_id, session_id, created_at). */
export function createKyselyTurnsReadModel(db: Kysely<DatabaseSchema>): TurnsReadModel {
  const distinctBy = async (column: 'session_id' | 'user_id', since: string) => {
    const perPipeline = await db
      .selectFrom('turns')
      .select((eb) => ['pipeline', eb.fn.count(column).distinct().as('n')])
      .where('created_at', '>=', since)
      .groupBy('pipeline')
      .execute();
    const total = await db
      .selectFrom('turns')
      .select((eb) => eb.fn.count(column).distinct().as('n'))
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return { ...countsOf(perPipeline), total: Number(total?.n ?? 0) };
  };

  return {
    async totals(since) {
      const byReasonRows = await db
        .selectFrom('turns')
        .select((eb) => ['route_reason', 'pipeline', eb.fn.countAll().as('n')])
        .where('created_at', '>=', since)
        .groupBy(['route_reason', 'pipeline'])
        .execute();
      const byReason: Record<string, PipelineCounts> = {};
      const turns: PipelineCounts = { awf: 0, legacy: 0 };
      for (const row of byReasonRows) {
        const counts = byReason[row.route_reason] ?? { awf: 0, legacy: 0 };
        byReason[row.route_reason] = counts;
        counts[row.pipeline] += Number(row.n);
        turns[row.pipeline] += Number(row.n);
      }
      return {
        turns,
        sessions: await distinctBy('session_id', since),
        users: await distinctBy('user_id', since),
        byReason,
      };
    },

    async activeUsers(since, limit) {
      const rows = await db
        .selectFrom('turns')
        .select((eb) => [
          'user_id',
          eb.fn.sum<number>(eb.case().when('pipeline', '=', 'awf').then(1).else(0).end()).as('awf'),
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
  };
}

function countsOf(rows: Array<{ pipeline: Pipeline; n: number | string | bigint }>): PipelineCounts {
  const counts: PipelineCounts = { awf: 0, legacy: 0 };
  for (const row of rows) counts[row.pipeline] = Number(row.n);
  return counts;
}
