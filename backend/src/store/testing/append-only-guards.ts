import type { Database } from '../database.js';
import { sql } from '../kysely-runtime.js';

/** The tables whose triggers reject UPDATE and DELETE (migration 002). */
export type AppendOnlyTable = 'audit_log' | 'audit_checkpoints';

/**
 * Lifts the append-only triggers of `tables`, as an attacker with direct database access would, so a
 * test can tamper with rows and check that verification notices. PostgreSQL: disables them; SQLite:
 * drops them. For tests only: the database stays unguarded afterwards.
 */
export async function removeAppendOnlyGuards(
  database: Database,
  tables: readonly AppendOnlyTable[],
): Promise<void> {
  for (const table of tables) {
    if (database.dialect === 'postgres') {
      await sql`alter table ${sql.id(table)} disable trigger user`.execute(database.db);
    } else {
      for (const op of ['update', 'delete']) {
        await sql`drop trigger if exists ${sql.id(`${table}_no_${op}`)}`.execute(database.db);
      }
    }
  }
}
