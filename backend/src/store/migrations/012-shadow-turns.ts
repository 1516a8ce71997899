import type { Kysely, RawBuilder } from 'kysely';
import { PostgresAdapter, sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

const PIPELINES_BEFORE = ['awf', 'legacy'] as const;
const PIPELINES_AFTER = [...PIPELINES_BEFORE, 'awf_shadow'] as const;

/** The counters a shadow minute adds; integers (and JSON counts) so rows merge exactly by adding. */
const SHADOW_COUNT_COLUMNS = [
  'shadow_valid_after_retry',
  'shadow_compared',
  'shadow_same_scene',
  'shadow_same_scene_change',
  'shadow_same_acts',
  'shadow_choice_shared',
  'shadow_choice_union',
  'shadow_tokens_in',
  'shadow_tokens_out',
  'shadow_bundle_bytes',
] as const;

/**
 * Shadow turns (issue 11, DESIGN §9): the stored shadow rate beside the percentage, and SLO minutes of
 * pipeline `awf_shadow` with what only shadow runs have: valid after retry, agreement with the served
 * answer, token spend, bundle bytes, and drops by reason (queue full, rate cap, shutdown, error).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('rollout_config')
    .addColumn('shadow_hundredths', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  for (const column of SHADOW_COUNT_COLUMNS) {
    await db.schema
      .alterTable('slo_minutes')
      .addColumn(column, 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  }
  await db.schema
    .alterTable('slo_minutes')
    .addColumn('shadow_drop_reasons', 'text', (col) => col.notNull().defaultTo('{}'))
    .execute();
  await allowPipelines(db, PIPELINES_AFTER);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from slo_minutes where pipeline = 'awf_shadow'`.execute(db);
  await allowPipelines(db, PIPELINES_BEFORE);
  await db.schema.alterTable('slo_minutes').dropColumn('shadow_drop_reasons').execute();
  for (const column of [...SHADOW_COUNT_COLUMNS].reverse()) {
    await db.schema.alterTable('slo_minutes').dropColumn(column).execute();
  }
  await db.schema.alterTable('rollout_config').dropColumn('shadow_hundredths').execute();
}

function pipelineCheck(pipelines: readonly string[]): RawBuilder<unknown> {
  return sql`pipeline in (${sql.join(pipelines.map((pipeline) => sql.lit(pipeline)))})`;
}

/** Replaces the CHECK on slo_minutes.pipeline. */
async function allowPipelines(db: Kysely<unknown>, pipelines: readonly string[]): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // 004 declared the check inline on the column, so PostgreSQL named it <table>_<column>_check.
    await sql`alter table slo_minutes drop constraint if exists slo_minutes_pipeline_check`.execute(db);
    await sql`alter table slo_minutes add constraint slo_minutes_pipeline_check check (${pipelineCheck(pipelines)})`.execute(
      db,
    );
    return;
  }
  // SQLite cannot alter a CHECK: rebuild the table with every column it has now (its documented
  // procedure); no other table references slo_minutes.
  const columns = (
    await sql<{ name: string }>`select name from pragma_table_info('slo_minutes')`.execute(db)
  ).rows.map((row) => row.name);
  const created = (
    await sql<{
      sql: string;
    }>`select sql from sqlite_master where type = 'table' and name = 'slo_minutes'`.execute(db)
  ).rows[0]?.sql;
  if (!created) throw new Error('slo_minutes is missing');
  const rebuilt = created
    .replace(/create table\s+"?slo_minutes"?/i, 'create table "slo_minutes_rebuilt"')
    .replace(/check\s*\(\s*pipeline in \([^)]*\)\s*\)/i, `check (${pipelineSqlite(pipelines)})`);
  if (rebuilt === created || !rebuilt.includes('slo_minutes_rebuilt')) {
    throw new Error('slo_minutes: could not rewrite its pipeline check');
  }
  const list = sql.join(columns.map((column) => sql.ref(column)));
  await sql`begin`.execute(db);
  try {
    await sql.raw(rebuilt).execute(db);
    await sql`insert into slo_minutes_rebuilt (${list}) select ${list} from slo_minutes`.execute(db);
    await sql`drop table slo_minutes`.execute(db);
    await sql`alter table slo_minutes_rebuilt rename to slo_minutes`.execute(db);
    await sql`commit`.execute(db);
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  }
}

function pipelineSqlite(pipelines: readonly string[]): string {
  return `pipeline in (${pipelines.map((pipeline) => `'${pipeline}'`).join(', ')})`;
}
