import type { Kysely, RawBuilder } from 'kysely';
import { PostgresAdapter, sql } from '../kysely-runtime.js';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

const ROLES_BEFORE = ['viewer', 'operator', 'admin', 'auditor'] as const;
const ROLES_AFTER = [...ROLES_BEFORE, 'evaluator'] as const;

/**
 * OFREP (issue 15): the `evaluator` role for services that only evaluate flags, and per-minute,
 * per-instance evaluation counts per flag and variant (a row per minute × instance × variant, never
 * one per evaluation; instances add their deltas with an upsert, so counts merge exactly).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await allowRoles(db, ROLES_AFTER);
  await db.schema
    .createTable('flag_evaluation_minutes')
    .addColumn('minute', 'integer', (col) => col.notNull())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('flag_key', 'text', (col) => col.notNull())
    .addColumn('variant', 'text', (col) => col.notNull())
    .addColumn('evaluations', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('flag_evaluation_minutes_pk', ['minute', 'instance_id', 'flag_key', 'variant'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('flag_evaluation_minutes').execute();
  await allowRoles(db, ROLES_BEFORE);
}

function roleCheck(roles: readonly string[]): RawBuilder<unknown> {
  return sql`role in (${sql.join(roles.map((role) => sql.lit(role)))})`;
}

/** Replaces the CHECK on auth_actors.role. */
async function allowRoles(db: Kysely<unknown>, roles: readonly string[]): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // 002 declared the check inline on the column, so PostgreSQL named it <table>_<column>_check.
    await sql`alter table auth_actors drop constraint if exists auth_actors_role_check`.execute(db);
    await sql`alter table auth_actors add constraint auth_actors_role_check check (${roleCheck(roles)})`.execute(
      db,
    );
    return;
  }
  // SQLite cannot alter a CHECK: rebuild the table (its documented procedure), with foreign keys off so
  // auth_tokens' reference to auth_actors survives the drop and rename, and checked before they come back.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin`.execute(db);
    try {
      await db.schema
        .createTable('auth_actors_rebuilt')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('role', 'text', (col) => col.notNull().check(roleCheck(roles)))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await sql`insert into auth_actors_rebuilt (name, role, created_at, created_by, revoked_at)
        select name, role, created_at, created_by, revoked_at from auth_actors`.execute(db);
      await sql`drop table auth_actors`.execute(db);
      await sql`alter table auth_actors_rebuilt rename to auth_actors`.execute(db);
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error('auth_tokens reference actors missing after the rebuild');
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
