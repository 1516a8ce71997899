import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * SLO data (DESIGN §4, §5): per-minute, per-instance turn aggregates (rows grow with minutes ×
 * instances, not with turns), the per-minute SLO history the evaluator writes, and alerts, of which
 * a partial unique index keeps at most one open per SLO across every instance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('slo_minutes')
    .addColumn('minute', 'integer', (col) => col.notNull())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull().check(sql`pipeline in ('awf', 'legacy')`))
    .addColumn('turns', 'integer', (col) => col.notNull())
    .addColumn('retries', 'integer', (col) => col.notNull())
    .addColumn('fallbacks', 'integer', (col) => col.notNull())
    .addColumn('fallback_reasons', 'text', (col) => col.notNull())
    .addColumn('latency_sketch', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('slo_minutes_pk', ['minute', 'instance_id', 'pipeline'])
    .execute();

  await db.schema
    .createTable('slo_history')
    .addColumn('minute', 'integer', (col) => col.notNull())
    .addColumn('slo', 'text', (col) => col.notNull())
    .addColumn('eval_window', 'text', (col) => col.notNull())
    .addColumn('value', 'double precision')
    .addColumn('threshold', 'double precision', (col) => col.notNull())
    .addColumn('sample', 'integer', (col) => col.notNull())
    .addColumn('state', 'text', (col) =>
      col.notNull().check(sql`state in ('ok', 'warning', 'critical', 'insufficient_data')`),
    )
    .addPrimaryKeyConstraint('slo_history_pk', ['minute', 'slo'])
    .execute();

  await db.schema
    .createTable('slo_alerts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('slo', 'text', (col) => col.notNull())
    .addColumn('severity', 'text', (col) => col.notNull().check(sql`severity in ('warning', 'critical')`))
    .addColumn('eval_window', 'text', (col) => col.notNull())
    .addColumn('threshold', 'double precision', (col) => col.notNull())
    .addColumn('fired_value', 'double precision', (col) => col.notNull())
    .addColumn('fired_sample', 'integer', (col) => col.notNull())
    .addColumn('fired_at', 'text', (col) => col.notNull())
    .addColumn('fired_by', 'text', (col) => col.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_value', 'double precision')
    .addColumn('resolved_sample', 'integer')
    .addColumn('resolved_by', 'text')
    .execute();
  await sql`create unique index slo_alerts_one_open_idx on slo_alerts (slo) where resolved_at is null`.execute(
    db,
  );
  await db.schema.createIndex('slo_alerts_fired_at_idx').on('slo_alerts').column('fired_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slo_alerts').execute();
  await db.schema.dropTable('slo_history').execute();
  await db.schema.dropTable('slo_minutes').execute();
}
