import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * The stored data-retention policy: one row (id = 1). A null column means "nothing stored": the
 * process's configuration applies (SLO_RETENTION_DAYS, AWF_TURN_RETENTION_DAYS). `turn_days` 0 keeps
 * turn records forever. The audit log has no retention: it is never deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('retention_policy')
    .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
    .addColumn('slo_days', 'integer', (col) => col.check(sql`slo_days between 7 and 3650`))
    .addColumn('turn_days', 'integer', (col) => col.check(sql`turn_days between 0 and 3650`))
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .execute();
  await db
    .insertInto('retention_policy' as never)
    .values({ id: 1, slo_days: null, turn_days: null } as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_policy').execute();
}
