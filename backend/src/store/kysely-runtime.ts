/**
 * Kysely's runtime values, taken from its CommonJS build. Under tsx every ES module goes through the
 * loader hooks one at a time, and Kysely's ESM build is ~400 of them: loading it that way cost every
 * admin script about half a second more than `require` does. Types still come from 'kysely' itself
 * (erased at run time). Nothing else imports a value from 'kysely' (check:deps): two copies of the
 * library in one process would not recognise each other's objects.
 */
import { createRequire } from 'node:module';

type KyselyModule = typeof import('kysely');
const kysely = createRequire(import.meta.url)('kysely') as KyselyModule;

export const {
  DummyDriver,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} = kysely;
/** The class's instance type, under the same name as the value. */
export type Kysely<DB> = import('kysely').Kysely<DB>;
export type Migrator = import('kysely').Migrator;
