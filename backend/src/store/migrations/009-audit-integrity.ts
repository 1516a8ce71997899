import type { Kysely } from 'kysely';
import { PostgresAdapter, sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/** The append-only tables and the columns a new row must not share with a stored one. */
const GUARDED = [
  { table: 'audit_log', keys: ['seq', 'id'] },
  { table: 'audit_checkpoints', keys: ['seq'] },
] as const;

/**
 * 1. An INSERT that would overwrite a stored audit row is rejected. SQLite's `REPLACE INTO` /
 *    `INSERT OR REPLACE` deletes the conflicting row without firing the DELETE trigger (unless
 *    recursive_triggers is on, which a plain connection does not set), so migration 002's triggers did
 *    not stop it; on PostgreSQL `INSERT … ON CONFLICT DO UPDATE` already fires the UPDATE trigger, and
 *    this refuses it one step earlier with the same message. A legitimate append never collides: seq
 *    is the head + 1 and id a fresh UUID.
 * 2. `auth_settings`: the stored, audited per-actor change rate limit (one row; null: not stored, the
 *    default applies). It is read by every process from the store, never from a caller's environment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (isPostgres) {
    await sql`
      create function awf_reject_audit_overwrite() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'audit_log' then
          perform 1 from audit_log where seq = new.seq or id = new.id;
        else
          perform 1 from audit_checkpoints where seq = new.seq;
        end if;
        if found then
          raise exception '% is append-only: INSERT over an existing row (seq %) rejected', tg_table_name, new.seq
            using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$`.execute(db);
    for (const { table } of GUARDED) {
      const trigger = sql.id(`${table}_no_overwrite`);
      await sql`create trigger ${trigger} before insert on ${sql.id(table)}
        for each row execute function awf_reject_audit_overwrite()`.execute(db);
      await sql`alter table ${sql.id(table)} enable always trigger ${trigger}`.execute(db);
    }
  } else {
    for (const { table, keys } of GUARDED) {
      const trigger = sql.id(`${table}_no_overwrite`);
      const clash = sql.raw(keys.map((key) => `${key} = new.${key}`).join(' or '));
      const message = sql.lit(`${table} is append-only: INSERT over an existing row rejected`);
      await sql`create trigger ${trigger} before insert on ${sql.id(table)}
        when exists (select 1 from ${sql.id(table)} where ${clash})
        begin select raise(abort, ${message}); end`.execute(db);
    }
  }

  await db.schema
    .createTable('auth_settings')
    .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
    .addColumn('change_rate_limit', 'integer', (col) =>
      col.check(sql`change_rate_limit between 1 and 100000`),
    )
    .addColumn('change_rate_window_s', 'integer', (col) =>
      col.check(sql`change_rate_window_s between 1 and 86400`),
    )
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .execute();
  await db
    .insertInto('auth_settings' as never)
    .values({ id: 1, change_rate_limit: null, change_rate_window_s: null } as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.dropTable('auth_settings').execute();
  for (const { table } of GUARDED) {
    await sql`drop trigger ${sql.id(`${table}_no_overwrite`)}${isPostgres ? sql` on ${sql.id(table)}` : sql``}`.execute(
      db,
    );
  }
  if (isPostgres) await sql`drop function awf_reject_audit_overwrite()`.execute(db);
}
