import type { Kysely } from 'kysely';
import type { DatabaseDialect, DialectAdapter } from './dialect-adapter.js';
import type { DatabaseSchema } from './schema.js';
import type { SessionStore } from './session-store.js';

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

/** Wraps `close` so that calling it again returns the first call's promise. */
export function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
