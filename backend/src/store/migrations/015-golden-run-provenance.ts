import type { Kysely } from 'kysely';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * Which code a golden run tested and who started it (issue 12: the plan's goldens gate needs a run on
 * the current content hash and code version; the controller can run the suite itself and says so), and
 * the plan setting that lets it. Runs stored before this have neither: they count for no code version.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('golden_runs').addColumn('code_version', 'text').execute();
  await db.schema.alterTable('golden_runs').addColumn('source', 'text').execute();
  await db.schema
    .alterTable('rollout_plans')
    .addColumn('run_goldens', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rollout_plans').dropColumn('run_goldens').execute();
  await db.schema.alterTable('golden_runs').dropColumn('source').execute();
  await db.schema.alterTable('golden_runs').dropColumn('code_version').execute();
}
