import { type Selectable, sql } from 'kysely';
import type { RolloutOverridesTable } from '../store/schema.js';
import { hundredthsToPercent, type RolloutOverride } from './canary-rollout.js';
import type { Executor, RolloutStore } from './rollout-store.js';

/** The RolloutStore over Kysely, one implementation for SQLite and PostgreSQL. */
export function createKyselyRolloutStore(): RolloutStore {
  const listOverrides = async (ex: Executor): Promise<RolloutOverride[]> =>
    (
      await ex.selectFrom('rollout_overrides').selectAll().orderBy('kind').orderBy('subject_id').execute()
    ).map(toOverride);

  const bumpVersion = async (
    ex: Executor,
    set: { global_enabled?: 0 | 1; percent_hundredths?: number; shadow_hundredths?: number },
    by: string,
    at: string,
  ): Promise<number> => {
    await ex
      .updateTable('rollout_config')
      .set({ ...set, version: sql<number>`version + 1`, updated_at: at, updated_by: by })
      .where('id', '=', 1)
      .execute();
    const row = await ex
      .selectFrom('rollout_config')
      .select('version')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(row.version);
  };

  return {
    async readState(ex) {
      const config = await ex
        .selectFrom('rollout_config')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return {
        globalEnabled: config.global_enabled === null ? null : config.global_enabled === 1,
        percent: config.percent_hundredths === null ? null : hundredthsToPercent(config.percent_hundredths),
        shadowPercent: hundredthsToPercent(config.shadow_hundredths),
        version: Number(config.version),
        updatedAt: config.updated_at,
        updatedBy: config.updated_by,
        overrides: await listOverrides(ex),
      };
    },

    async readVersion(ex) {
      const row = await ex
        .selectFrom('rollout_config')
        .select('version')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return Number(row.version);
    },

    updateConfig(ex, change, by, at) {
      return bumpVersion(
        ex,
        {
          ...(change.globalEnabled !== undefined ? { global_enabled: change.globalEnabled ? 1 : 0 } : {}),
          ...(change.percentHundredths !== undefined ? { percent_hundredths: change.percentHundredths } : {}),
          ...(change.shadowHundredths !== undefined ? { shadow_hundredths: change.shadowHundredths } : {}),
        },
        by,
        at,
      );
    },

    bumpVersion: (ex, by, at) => bumpVersion(ex, {}, by, at),

    async findOverride(ex, kind, subjectId) {
      const row = await ex
        .selectFrom('rollout_overrides')
        .selectAll()
        .where('kind', '=', kind)
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      return row && toOverride(row);
    },

    async upsertOverride(ex, override) {
      const values = {
        pipeline: override.pipeline,
        expires_at: override.expiresAt,
        reason: override.reason,
        created_by: override.createdBy,
        created_at: override.createdAt,
      };
      await ex
        .insertInto('rollout_overrides')
        .values({ kind: override.kind, subject_id: override.subjectId, ...values })
        .onConflict((conflict) => conflict.columns(['kind', 'subject_id']).doUpdateSet(values))
        .execute();
    },

    async deleteOverride(ex, kind, subjectId) {
      await ex
        .deleteFrom('rollout_overrides')
        .where('kind', '=', kind)
        .where('subject_id', '=', subjectId)
        .execute();
    },

    async deleteAllOverrides(ex) {
      const previous = await listOverrides(ex);
      await ex.deleteFrom('rollout_overrides').execute();
      return previous;
    },
  };
}

function toOverride(row: Selectable<RolloutOverridesTable>): RolloutOverride {
  return {
    kind: row.kind,
    subjectId: row.subject_id,
    pipeline: row.pipeline,
    expiresAt: row.expires_at,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
