import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Run `work` in a write transaction that takes the write lock up front: BEGIN IMMEDIATE on SQLite (a
 * deferred BEGIN would upgrade its lock late and fail with SQLITE_BUSY under a second process),
 * an ordinary transaction on PostgreSQL. Commits when `work` resolves, rolls back when it throws.
 */
export async function withWriteTransaction<T>(
  database: Database,
  work: (trx: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  if (database.dialect === 'postgres') return database.db.transaction().execute(work);
  return database.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}
