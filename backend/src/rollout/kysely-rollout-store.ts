import type { Kysely, Selectable } from 'kysely';
import { sql } from '../store/kysely-runtime.js';
import type { DatabaseSchema, RolloutConfigTable, RolloutOverridesTable } from '../store/schema.js';
import { isMissingTableError, type SqliteSyncReader } from '../store/sqlite-sync-reader.js';
import {
  hundredthsToPercent,
  NOTHING_STORED,
  type RolloutOverride,
  type StoredRolloutState,
} from './rollout-state.js';
import type { Executor, RolloutStore } from './rollout-store.js';

// The reads, as builders: the async store executes them, the synchronous SQLite reader compiles them.
const configQuery = (ex: Executor | Kysely<DatabaseSchema>) =>
  ex.selectFrom('rollout_config').selectAll().where('id', '=', 1);
const versionQuery = (ex: Executor | Kysely<DatabaseSchema>) =>
  ex.selectFrom('rollout_config').select('version').where('id', '=', 1);
const overridesQuery = (ex: Executor | Kysely<DatabaseSchema>) =>
  ex.selectFrom('rollout_overrides').selectAll().orderBy('kind').orderBy('subject_id');

function toState(
  config: Selectable<RolloutConfigTable>,
  overrides: Array<Selectable<RolloutOverridesTable>>,
): StoredRolloutState {
  return {
    globalEnabled: config.global_enabled === null ? null : config.global_enabled === 1,
    percent: config.percent_hundredths === null ? null : hundredthsToPercent(config.percent_hundredths),
    // A SQLite store read synchronously before migration 012 has no such column: 0.
    shadowPercent: hundredthsToPercent(config.shadow_hundredths ?? 0),
    version: Number(config.version),
    updatedAt: config.updated_at,
    updatedBy: config.updated_by,
    overrides: overrides.map(toOverride),
  };
}

/**
 * The stored state read synchronously from SQLite (the unwired seed accessor): the same queries as
 * `readState`. A store not migrated yet holds nothing (what the migration's first row says too).
 */
export function readRolloutStateSync(reader: SqliteSyncReader): StoredRolloutState {
  try {
    const [config] = reader.all(configQuery(reader.builder));
    return config ? toState(config, reader.all(overridesQuery(reader.builder))) : NOTHING_STORED;
  } catch (error) {
    if (isMissingTableError(error)) return NOTHING_STORED;
    throw error;
  }
}

/** Just the stored version, synchronously (0 when not migrated yet). */
export function readRolloutVersionSync(reader: SqliteSyncReader): number {
  try {
    const [row] = reader.all(versionQuery(reader.builder));
    return row ? Number(row.version) : 0;
  } catch (error) {
    if (isMissingTableError(error)) return 0;
    throw error;
  }
}

/** The RolloutStore over Kysely, one implementation for SQLite and PostgreSQL. */
export function createKyselyRolloutStore(): RolloutStore {
  const listOverrides = async (ex: Executor): Promise<RolloutOverride[]> =>
    (await overridesQuery(ex).execute()).map(toOverride);

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
      const config = await configQuery(ex).executeTakeFirstOrThrow();
      return toState(config, await overridesQuery(ex).execute());
    },

    async readVersion(ex) {
      return Number((await versionQuery(ex).executeTakeFirstOrThrow()).version);
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

    async deleteAllOverrides(ex, pipeline) {
      const previous = (await listOverrides(ex)).filter(
        (override) => pipeline === undefined || override.pipeline === pipeline,
      );
      let deletion = ex.deleteFrom('rollout_overrides');
      if (pipeline !== undefined) deletion = deletion.where('pipeline', '=', pipeline);
      await deletion.execute();
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
