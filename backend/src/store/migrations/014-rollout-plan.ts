import type { Kysely } from 'kysely';
import { sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * The staged rollout plan (issue 12): the plan itself (stored, versioned: every step is conditional on
 * the version it read, so two controllers never step twice), the decisions it made with their
 * evidence (so explain, replay and status read data), and per-minute new-session counts per pipeline
 * in the SLO aggregates (the sample-ratio-mismatch check counts sessions the percentage bucket routed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('slo_minutes')
    .addColumn('new_sessions', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('rollout_plans')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('state', 'text', (col) =>
      col.notNull().check(sql`state in ('running', 'paused', 'completed', 'aborted', 'rolled_back')`),
    )
    .addColumn('stages', 'text', (col) => col.notNull())
    .addColumn('on_failure', 'text', (col) =>
      col.notNull().check(sql`on_failure in ('rollback', 'previous', 'pause')`),
    )
    .addColumn('fail_after', 'integer', (col) => col.notNull())
    .addColumn('current_stage', 'integer', (col) => col.notNull())
    .addColumn('stage_started_at', 'text', (col) => col.notNull())
    .addColumn('started_by', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('approved_stage', 'integer')
    .addColumn('approved_by', 'text')
    .addColumn('failing_streak', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('state_reason', 'text')
    .addColumn('last_decision', 'text')
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('updated_by', 'text', (col) => col.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('rollout_plans_started_at').on('rollout_plans').column('started_at').execute();
  await db.schema
    .createTable('rollout_plan_decisions')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('plan_id', 'text', (col) => col.notNull().references('rollout_plans.id'))
    .addColumn('plan_version', 'integer', (col) => col.notNull())
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('stage', 'integer', (col) => col.notNull())
    .addColumn('stage_percent', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) =>
      col.notNull().check(sql`action in ('advance', 'hold', 'rollback', 'previous', 'pause')`),
    )
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('evidence', 'text', (col) => col.notNull())
    .addColumn('audit_seq', 'integer')
    .execute();
  await db.schema
    .createIndex('rollout_plan_decisions_plan_at')
    .on('rollout_plan_decisions')
    .columns(['plan_id', 'at'])
    .execute();
  // A hold is recorded once per plan version (a stage, between changes) and reason.
  await db.schema
    .createIndex('rollout_plan_decisions_hold_once')
    .on('rollout_plan_decisions')
    .columns(['plan_id', 'plan_version', 'reason'])
    .unique()
    .where(sql.ref('action'), '=', 'hold')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rollout_plan_decisions').execute();
  await db.schema.dropTable('rollout_plans').execute();
  await db.schema.alterTable('slo_minutes').dropColumn('new_sessions').execute();
}
