import type { RetentionCutoffs, RetentionStore, RetentionTable } from './retention-store.js';

/** The retention store on Kysely: the same statements on SQLite and PostgreSQL. */
export function createKyselyRetentionStore(): RetentionStore {
  const minuteOfAlert = (cutoffs: RetentionCutoffs) =>
    new Date(cutoffs.sloBeforeMinute * 60_000).toISOString();

  return {
    async readPolicy(db) {
      const row = await db.selectFrom('retention_policy').selectAll().where('id', '=', 1).executeTakeFirst();
      return {
        sloDays: row?.slo_days ?? null,
        turnDays: row?.turn_days ?? null,
        updatedAt: row?.updated_at ?? null,
        updatedBy: row?.updated_by ?? null,
      };
    },

    async writePolicy(trx, policy, by, at) {
      await trx
        .updateTable('retention_policy')
        .set({
          ...(policy.sloDays !== undefined ? { slo_days: policy.sloDays } : {}),
          ...(policy.turnDays !== undefined ? { turn_days: policy.turnDays } : {}),
          updated_at: at,
          updated_by: by,
        })
        .where('id', '=', 1)
        .execute();
    },

    async countExpired(db, cutoffs) {
      const count = async (query: Promise<{ n: number | string | bigint } | undefined>): Promise<number> =>
        Number((await query)?.n ?? 0);
      const [sloMinutes, sloHistory, sloAlerts, feedback, turns] = await Promise.all([
        count(
          db
            .selectFrom('slo_minutes')
            .select(({ fn }) => fn.countAll().as('n'))
            .where('minute', '<', cutoffs.sloBeforeMinute)
            .executeTakeFirst(),
        ),
        count(
          db
            .selectFrom('slo_history')
            .select(({ fn }) => fn.countAll().as('n'))
            .where('minute', '<', cutoffs.sloBeforeMinute)
            .executeTakeFirst(),
        ),
        count(
          db
            .selectFrom('slo_alerts')
            .select(({ fn }) => fn.countAll().as('n'))
            .where('resolved_at', 'is not', null)
            .where('resolved_at', '<', minuteOfAlert(cutoffs))
            .executeTakeFirst(),
        ),
        count(
          db
            .selectFrom('feedback')
            .select(({ fn }) => fn.countAll().as('n'))
            .where('updated_at', '<', minuteOfAlert(cutoffs))
            .executeTakeFirst(),
        ),
        cutoffs.turnsBefore === null
          ? Promise.resolve(0)
          : count(
              db
                .selectFrom('turns')
                .select(({ fn }) => fn.countAll().as('n'))
                .where('created_at', '<', cutoffs.turnsBefore)
                .executeTakeFirst(),
            ),
      ]);
      return { sloMinutes, sloHistory, sloAlerts, feedback, turns };
    },

    async deleteExpiredBatch(trx, table: RetentionTable, cutoffs, batch) {
      // A batch ends at the time of its batch-th oldest row: no dialect-specific DELETE … LIMIT needed.
      switch (table) {
        case 'sloMinutes':
        case 'sloHistory': {
          const name = table === 'sloMinutes' ? 'slo_minutes' : 'slo_history';
          const edge = await trx
            .selectFrom(name)
            .select('minute')
            .where('minute', '<', cutoffs.sloBeforeMinute)
            .orderBy('minute')
            .offset(batch - 1)
            .limit(1)
            .executeTakeFirst();
          const result = await trx
            .deleteFrom(name)
            .where('minute', '<', cutoffs.sloBeforeMinute)
            .$if(edge !== undefined, (query) => query.where('minute', '<=', Number(edge?.minute)))
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
        case 'sloAlerts': {
          const result = await trx
            .deleteFrom('slo_alerts')
            .where('resolved_at', 'is not', null)
            .where('resolved_at', '<', minuteOfAlert(cutoffs))
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
        case 'feedback': {
          // Ratings are few (one per rated turn): one statement removes the expired ones.
          const result = await trx
            .deleteFrom('feedback')
            .where('updated_at', '<', minuteOfAlert(cutoffs))
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
        case 'turns': {
          if (cutoffs.turnsBefore === null) return 0;
          const before = cutoffs.turnsBefore;
          const edge = await trx
            .selectFrom('turns')
            .select('created_at')
            .where('created_at', '<', before)
            .orderBy('created_at')
            .offset(batch - 1)
            .limit(1)
            .executeTakeFirst();
          const result = await trx
            .deleteFrom('turns')
            .where('created_at', '<', before)
            .$if(edge !== undefined, (query) => query.where('created_at', '<=', edge?.created_at as string))
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
      }
    },
  };
}
