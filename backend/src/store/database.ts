import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { AppError } from '../shared/errors.js';
import type { DatabaseDialect, DialectAdapter } from './dialect-adapter.js';
import { createKyselySessionStore } from './kysely-session-store.js';
import { migrateToLatest } from './migrations/migrator.js';
import { createPostgresDialectAdapter } from './postgres-dialect-adapter.js';
import type { DatabaseSchema } from './schema.js';
import type { SessionStore } from './session-store.js';
import { createSqliteDialectAdapter } from './sqlite-dialect-adapter.js';
import { createSqliteSessionStore } from './sqlite-session-store.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export type { DatabaseDialect } from './dialect-adapter.js';

/** An open, migrated database. */
export interface Database {
  db: Kysely<DatabaseSchema>;
  /** Which database this is, for messages and for tests that inspect it; code goes through `adapter`. */
  dialect: DatabaseDialect;
  /** Write transactions, locks and notifications: what differs between SQLite and PostgreSQL. */
  adapter: DialectAdapter;
  /** Sessions and turns; on SQLite straight on the driver, the turn's hot path (sqlite-session-store.ts). */
  sessions: SessionStore;
  /** Closes every connection; calling it again is a no-op. */
  close(): Promise<void>;
}

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

const POSTGRES_URL = /^postgres(?:ql)?:\/\//;

/**
 * Opens PostgreSQL when `databaseUrl` is set, otherwise SQLite at `sqlitePath`, and migrates it to the
 * latest schema before returning. Throws when the database cannot be reached or a migration fails.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const database = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.allowExitOnIdle ?? false)
    : openSqlite(opts.sqlitePath);
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

async function openPostgres(url: string, allowExitOnIdle: boolean): Promise<Database> {
  if (!POSTGRES_URL.test(url)) {
    throw new AppError(
      'CONFIG_INVALID',
      `database URL must start with postgres:// or postgresql://, got ${redactDatabaseUrl(url)}`,
    );
  }
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: 10_000, allowExitOnIdle });
  // An idle client whose connection drops emits 'error' on the pool, which would crash the process if
  // unhandled; the pool discards that client and the next query reports the problem.
  pool.on('error', () => {});
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  const adapter = createPostgresDialectAdapter(db, url);
  const database: Database = {
    db,
    dialect: 'postgres',
    adapter,
    sessions: createKyselySessionStore(db),
    close: closeOnce(async () => {
      await adapter.closeListeners();
      await db.destroy();
    }),
  };
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await database.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${reason}`, { cause: error });
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

function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
