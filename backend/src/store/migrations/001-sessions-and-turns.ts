import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/** Sessions and the turn log (DESIGN §2). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('session_id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('seed', 'bigint', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('turn_count', 'integer', (col) => col.notNull())
    .addColumn('last_choices', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('turns')
    .addColumn('session_id', 'text', (col) => col.notNull().references('sessions.session_id'))
    .addColumn('turn_no', 'integer', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('input', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull().check(sql`pipeline in ('awf', 'legacy')`))
    .addColumn('route_reason', 'text', (col) => col.notNull())
    .addColumn('scene', 'text', (col) => col.notNull())
    .addColumn('retried', 'integer', (col) => col.notNull().check(sql`retried in (0, 1)`))
    .addColumn('fallback', 'integer', (col) => col.notNull().check(sql`fallback in (0, 1)`))
    .addColumn('fallback_reason', 'text')
    .addColumn('latency_ms', 'double precision', (col) => col.notNull())
    .addColumn('result', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('turns_pk', ['session_id', 'turn_no'])
    .execute();

  await db.schema.createIndex('turns_created_at_idx').on('turns').column('created_at').execute();
  await db.schema.createIndex('turns_user_id_idx').on('turns').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('turns').execute();
  await db.schema.dropTable('sessions').execute();
}
