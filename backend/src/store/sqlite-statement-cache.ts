import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; the store issues a few dozen, so this bound is never reached in practice. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * The better-sqlite3 handle as Kysely's SqliteDialect sees it, with each SQL text prepared once:
 * Kysely's SQLite driver calls `prepare` on every query, and compiling the statement again each
 * time was a measurable share of a turn. Statements are reused least-recently-used first out past
 * `size`; one that is still busy (a streamed query in progress) is never handed out twice; a
 * fresh one is prepared for that call instead.
 */
export function withStatementCache(
  sqlite: BetterSqliteDatabase,
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Move to the most recently used end.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > size) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}
