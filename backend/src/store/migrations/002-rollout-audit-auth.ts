import type { Kysely } from 'kysely';
import { PostgresAdapter, sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

const APPEND_ONLY_TABLES = ['audit_log', 'audit_checkpoints'] as const;

/** Rollout config and overrides, the hash-chained audit log with its checkpoints, actors and tokens. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable('rollout_config')
    .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
    .addColumn('global_enabled', 'integer', (col) => col.check(sql`global_enabled in (0, 1)`))
    .addColumn('percent_hundredths', 'integer', (col) =>
      col.check(sql`percent_hundredths between 0 and 10000`),
    )
    .addColumn('version', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .execute();
  await db
    .insertInto('rollout_config' as never)
    .values({ id: 1, global_enabled: null, percent_hundredths: null, version: 0 } as never)
    .execute();

  await db.schema
    .createTable('rollout_overrides')
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('user', 'session')`))
    .addColumn('subject_id', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull().check(sql`pipeline in ('awf', 'legacy')`))
    .addColumn('expires_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('rollout_overrides_pk', ['kind', 'subject_id'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (col) => col.primaryKey())
    .addColumn('id', 'text', (col) => col.notNull().unique())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('entity', 'text', (col) => col.notNull())
    .addColumn('details', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('canonical', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_actor_idx')
    .on('audit_log')
    .columns(['actor', 'created_at'])
    .execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_log_entity_idx').on('audit_log').columns(['entity', 'seq']).execute();
  await db.schema.createIndex('audit_log_created_at_idx').on('audit_log').column('created_at').execute();

  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('seq', 'bigint', (col) => col.primaryKey())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('public_key', 'text')
    .addColumn('signature', 'text')
    .execute();

  await db.schema
    .createTable('auth_actors')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('role', 'text', (col) =>
      col.notNull().check(sql`role in ('viewer', 'operator', 'admin', 'auditor')`),
    )
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('auth_tokens')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('actor', 'text', (col) => col.notNull().references('auth_actors.name'))
    .addColumn('token_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('auth_tokens_actor_idx').on('auth_tokens').column('actor').execute();

  if (isPostgres) {
    await sql`
      create function awf_reject_audit_change() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only: % rejected', tg_table_name, tg_op
          using errcode = 'insufficient_privilege';
      end
      $$`.execute(db);
    for (const table of APPEND_ONLY_TABLES) {
      const t = sql.id(table);
      const rowTrigger = sql.id(`${table}_no_update_delete`);
      const truncateTrigger = sql.id(`${table}_no_truncate`);
      await sql`create trigger ${rowTrigger} before update or delete on ${t}
        for each row execute function awf_reject_audit_change()`.execute(db);
      await sql`create trigger ${truncateTrigger} before truncate on ${t}
        for each statement execute function awf_reject_audit_change()`.execute(db);
      // ALWAYS: a session with session_replication_role = replica would otherwise skip them.
      await sql`alter table ${t} enable always trigger ${rowTrigger}`.execute(db);
      await sql`alter table ${t} enable always trigger ${truncateTrigger}`.execute(db);
    }
  } else {
    for (const table of APPEND_ONLY_TABLES) {
      for (const op of ['update', 'delete'] as const) {
        const trigger = sql.id(`${table}_no_${op}`);
        const message = sql.lit(`${table} is append-only: ${op.toUpperCase()} rejected`);
        await sql`create trigger ${trigger} before ${sql.raw(op)} on ${sql.id(table)}
          begin select raise(abort, ${message}); end`.execute(db);
      }
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.dropTable('auth_tokens').execute();
  await db.schema.dropTable('auth_actors').execute();
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('rollout_overrides').execute();
  await db.schema.dropTable('rollout_config').execute();
  if (isPostgres) await sql`drop function awf_reject_audit_change()`.execute(db);
}
