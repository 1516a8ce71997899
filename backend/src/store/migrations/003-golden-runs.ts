import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/** One row per scenario per golden run (DESIGN §6), so "golden tests passing" can be read from data. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('golden_runs')
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('scenario', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull().check(sql`pipeline in ('awf', 'legacy')`))
    .addColumn('mode', 'text', (col) => col.notNull().check(sql`mode in ('record', 'verify', 'test')`))
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('passed', 'failed', 'written', 'unchanged')`),
    )
    .addColumn('turns', 'integer', (col) => col.notNull())
    .addColumn('duration_ms', 'double precision', (col) => col.notNull())
    .addColumn('failure', 'text')
    .addColumn('full_run', 'integer', (col) => col.notNull().check(sql`full_run in (0, 1)`))
    .addColumn('content_hash', 'text', (col) => col.notNull())
    .addColumn('harness_version', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('golden_runs_pk', ['run_id', 'scenario', 'pipeline'])
    .execute();

  await db.schema.createIndex('golden_runs_started_at_idx').on('golden_runs').column('started_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('golden_runs').execute();
}
