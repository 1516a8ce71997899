import { Pool } from 'pg';
import { AppError } from '../shared/errors.js';
import { closeOnce, type Database, redactDatabaseUrl } from './database-handle.js';
import { Kysely, PostgresDialect, sql } from './kysely-runtime.js';
import { createKyselySessionStore } from './kysely-session-store.js';
import { createPostgresDialectAdapter } from './postgres-dialect-adapter.js';
import type { DatabaseSchema } from './schema.js';

const POSTGRES_URL = /^postgres(?:ql)?:\/\//;

/** Opens a pool on `url` and checks it answers (not migrated: `openDatabase` does that). */
export async function openPostgres(url: string, allowExitOnIdle: boolean): Promise<Database> {
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
