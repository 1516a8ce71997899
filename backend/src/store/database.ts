import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { AppError } from '../shared/errors.js';
import { closeOnce, type Database } from './database-handle.js';
import { Kysely, SqliteDialect } from './kysely-runtime.js';
import { migrateToLatest } from './migrations/migrator.js';
import type { DatabaseSchema } from './schema.js';
import { createSqliteDialectAdapter } from './sqlite-dialect-adapter.js';
import { createSqliteSessionStore } from './sqlite-session-store.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export { type Database, redactDatabaseUrl } from './database-handle.js';
export type { DatabaseDialect } from './dialect-adapter.js';

export interface OpenDatabaseOptions {
  /** A postgres:// or postgresql:// URL; when set, PostgreSQL is used and `sqlitePath` is ignored. */
  databaseUrl?: string;
  /** The SQLite file (its directory is created), or ':memory:'. */
  sqlitePath: string;
  /**
   * PostgreSQL: idle connections do not keep the process alive (a one-off script that opened the store
   * lazily can end without closing it). Default false.
   */
  allowExitOnIdle?: boolean;
}

/**
 * Opens PostgreSQL when `databaseUrl` is set, otherwise SQLite at `sqlitePath`, and migrates it to the
 * latest schema before returning. Throws when the database cannot be reached or a migration fails.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const database = opts.databaseUrl
    ? // Loaded only for PostgreSQL: a SQLite process (every admin script by default) never loads pg.
      await (await import('./postgres-database.js')).openPostgres(
        opts.databaseUrl,
        opts.allowExitOnIdle ?? false,
      )
    : openSqlite(opts.sqlitePath);
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function openSqlite(path: string): Database {
  if (path === '') throw new AppError('CONFIG_INVALID', 'SQLite path is empty');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    db,
    dialect: 'sqlite',
    adapter: createSqliteDialectAdapter(db),
    sessions: createSqliteSessionStore(db, sqlite),
    close: closeOnce(() => db.destroy()),
  };
}
