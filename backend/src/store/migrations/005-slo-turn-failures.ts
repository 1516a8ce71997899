import type { Kysely } from 'kysely';

/**
 * Turns that failed outright (the turn service's onTurnFailed) are counted per minute, instance and
 * pipeline beside the committed ones; rows written before this count none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('slo_minutes')
    .addColumn('failures', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slo_minutes').dropColumn('failures').execute();
}
