import type { Kysely } from 'kysely';

// Migrations see the database as it was when they were written, so they do not use DatabaseSchema.

/**
 * Drops the index on turns.user_id (issue 14): every turn paid for it (one more B-tree page written
 * at a random place per insert, a sixth of a turn's store work on SQLite) and no query uses it. Every
 * read of `turns` by user also filters on created_at (distribution, active users), which has its own
 * index; a turn is looked up by session and number through the primary key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('turns_user_id_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('turns_user_id_idx').on('turns').column('user_id').execute();
}
