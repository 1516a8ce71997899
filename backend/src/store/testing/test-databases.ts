import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type Database, openDatabase, redactDatabaseUrl } from '../database.js';

/** A freshly created, migrated database owned by one test suite; close() removes it. */
export type TestDatabase = Database & {
  /** PostgreSQL: the URL of this fresh database, for subprocesses and second instances. */
  url?: string;
  /** SQLite: the database file. */
  sqlitePath?: string;
  /** Opens another connection to the same database, as a second instance would; the caller closes it. */
  reopen(): Promise<Database>;
};

/** One kind of database a contract suite runs against. */
export interface TestDatabaseTarget {
  name: 'sqlite' | 'postgres';
  open(): Promise<TestDatabase>;
}

/**
 * The databases to run storage tests against: SQLite always, plus PostgreSQL when
 * AWF_TEST_DATABASE_URL is set. That URL is used as an admin connection to create a fresh database per
 * open() (CI reuses a server earlier runs left databases on); when it is set but unreachable, open()
 * throws rather than skipping.
 */
export function testDatabaseTargets(env: NodeJS.ProcessEnv = process.env): TestDatabaseTarget[] {
  const targets: TestDatabaseTarget[] = [{ name: 'sqlite', open: openSqliteTestDatabase }];
  const adminUrl = env.AWF_TEST_DATABASE_URL;
  if (adminUrl) targets.push({ name: 'postgres', open: () => openPostgresTestDatabase(adminUrl) });
  return targets;
}

async function openSqliteTestDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'awf-t-'));
  const sqlitePath = join(dir, 'awf.sqlite');
  const reopen = () => openDatabase({ sqlitePath });
  let database: Database;
  try {
    database = await reopen();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...database,
    sqlitePath,
    reopen,
    async close() {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `awf_t_${randomBytes(8).toString('hex')}`;
  await runAsAdmin(adminUrl, `create database ${name}`);
  const url = withDatabaseName(adminUrl, name);
  const reopen = () => openDatabase({ databaseUrl: url, sqlitePath: '' });
  let database: Database;
  try {
    database = await reopen();
  } catch (error) {
    await runAsAdmin(adminUrl, `drop database if exists ${name} with (force)`);
    throw error;
  }
  return {
    ...database,
    url,
    reopen,
    async close() {
      await database.close();
      // FORCE also ends connections still open from reopen() or subprocesses.
      await runAsAdmin(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function runAsAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(statement);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `AWF_TEST_DATABASE_URL (${redactDatabaseUrl(adminUrl)}): "${statement}" failed: ${reason}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
