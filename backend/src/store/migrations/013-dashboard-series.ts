import type { Kysely } from 'kysely';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/** Per-turn spend the dashboard charts per minute; integers so rows merge exactly by adding. */
const SPEND_COLUMNS = ['tokens_in', 'tokens_out', 'bundle_bytes'] as const;

/**
 * The operator dashboard (issue 13): the per-minute aggregates gain the seed's other key metrics —
 * tokens in/out and bundle bytes summed over the minute's turns — so "average bundle size and token
 * usage per turn" is read from the aggregates, never from turns; golden runs keep the diff of a failed
 * scenario beside its first failure message. Rows written before this count zero and keep no diff.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of SPEND_COLUMNS) {
    await db.schema
      .alterTable('slo_minutes')
      .addColumn(column, 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  }
  await db.schema.alterTable('golden_runs').addColumn('diff', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('golden_runs').dropColumn('diff').execute();
  for (const column of [...SPEND_COLUMNS].reverse()) {
    await db.schema.alterTable('slo_minutes').dropColumn(column).execute();
  }
}
