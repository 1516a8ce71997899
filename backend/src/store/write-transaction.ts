import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Runs `work` in a write transaction that takes the write lock up front (see
 * `DialectAdapter.writeTransaction`). Commits when `work` resolves, rolls back when it throws.
 */
export function withWriteTransaction<T>(
  database: Pick<Database, 'adapter'>,
  work: (trx: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  return database.adapter.writeTransaction(work);
}
