import { existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import type { Compilable } from 'kysely';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from './kysely-runtime.js';
import type { DatabaseSchema } from './schema.js';

/**
 * A synchronous reader of a SQLite store, for the one caller that must answer synchronously: the
 * seed's `isAwfBundleEnabled()` in a process that wired nothing. Queries are built with Kysely (the
 * same builders the async stores use), compiled for SQLite and run on better-sqlite3, which is
 * synchronous. It never writes, never creates the file and never migrates.
 */
export interface SqliteSyncReader {
  /** Builds queries only: executing through it throws; hand the built query to `all`. */
  readonly builder: Kysely<DatabaseSchema>;
  /** Runs a built query now; a table that does not exist yet (store never migrated) throws. */
  all<R>(query: Compilable<R>): R[];
  close(): void;
}

/** Whether an error from `all` says the store has not been migrated (the table is missing). */
export function isMissingTableError(error: unknown): boolean {
  return error instanceof Error && /no such table/i.test(error.message);
}

/**
 * Opens the SQLite file at `path` for synchronous reads; undefined when there is nothing to read: the
 * file does not exist yet (nothing stored) or the path is `:memory:` (a fresh, empty database).
 */
export function openSqliteSyncReader(path: string): SqliteSyncReader | undefined {
  if (path === ':memory:' || path === '' || !existsSync(path)) return undefined;
  // Read-write but never writing: a read-only handle cannot open a WAL file whose -shm is missing.
  const sqlite = new SqliteDatabase(path, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  const builder = new Kysely<DatabaseSchema>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  return {
    builder,
    all<R>(query: Compilable<R>): R[] {
      const compiled = query.compile();
      return sqlite.prepare(compiled.sql).all(...(compiled.parameters as unknown[])) as R[];
    },
    close: () => sqlite.close(),
  };
}
