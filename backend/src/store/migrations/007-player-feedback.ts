import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * Player feedback (DESIGN §9): one rating per turn (a second rating replaces the first), attributed to
 * the pipeline that answered, copied from the turn record. The SLO minutes gain feedback counts, so a
 * window's ratings merge across minutes and instances like the turn counts; those columns count by the
 * pipeline that answered (a fallback's rating counts on the legacy row), and a replacement stores its
 * delta (old rating −1, new +1) in the minute it happened, so counts can be negative in one row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feedback')
    .addColumn('session_id', 'text', (col) => col.notNull())
    .addColumn('turn_no', 'integer', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull().check(sql`pipeline in ('awf', 'legacy')`))
    .addColumn('route_reason', 'text', (col) => col.notNull())
    .addColumn('fallback', 'integer', (col) => col.notNull().check(sql`fallback in (0, 1)`))
    .addColumn('fallback_reason', 'text')
    .addColumn('rating', 'text', (col) => col.notNull().check(sql`rating in ('up', 'down')`))
    .addColumn('reason', 'text')
    .addColumn('comment', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('feedback_pk', ['session_id', 'turn_no'])
    .execute();
  await db.schema.createIndex('feedback_updated_at_idx').on('feedback').column('updated_at').execute();

  await db.schema
    .alterTable('slo_minutes')
    .addColumn('feedback_up', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('slo_minutes')
    .addColumn('feedback_down', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('slo_minutes')
    .addColumn('feedback_down_reasons', 'text', (col) => col.notNull().defaultTo('{}'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slo_minutes').dropColumn('feedback_down_reasons').execute();
  await db.schema.alterTable('slo_minutes').dropColumn('feedback_down').execute();
  await db.schema.alterTable('slo_minutes').dropColumn('feedback_up').execute();
  await db.schema.dropTable('feedback').execute();
}
