import type { Kysely } from 'kysely';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * Sampled golden runs against a real model (issue 16): each row says which model answered (so a
 * local-model regression run is told from a real-model acceptance run), how many samples the run
 * asked for and this scenario got, how many passed, the pass-rate threshold that judged it, the tokens
 * it spent, and whether the run was stopped early (partial). Rows stored before keep the defaults of a
 * local run: provider and model `local`, one sample, not partial.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const text = (name: string) =>
    db.schema
      .alterTable('golden_runs')
      .addColumn(name, 'text', (col) => col.notNull().defaultTo('local'))
      .execute();
  await text('provider');
  await text('model_name');
  await text('legacy_provider');
  await text('legacy_model_name');
  await db.schema
    .alterTable('golden_runs')
    .addColumn('samples_requested', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('golden_runs')
    .addColumn('partial', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('golden_runs')
    .addColumn('samples', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('golden_runs').addColumn('passes', 'integer').execute();
  await db.schema.alterTable('golden_runs').addColumn('pass_rate_threshold', 'double precision').execute();
  await db.schema.alterTable('golden_runs').addColumn('tokens_in', 'integer').execute();
  await db.schema.alterTable('golden_runs').addColumn('tokens_out', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [
    'tokens_out',
    'tokens_in',
    'pass_rate_threshold',
    'passes',
    'samples',
    'partial',
    'samples_requested',
    'legacy_model_name',
    'legacy_provider',
    'model_name',
    'provider',
  ]) {
    await db.schema.alterTable('golden_runs').dropColumn(column).execute();
  }
}
