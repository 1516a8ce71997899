import type { Kysely } from 'kysely';
import type { ChannelListener, DialectAdapter, SessionLock } from './dialect-adapter.js';
import { sql } from './kysely-runtime.js';
import type { DatabaseSchema } from './schema.js';

const SILENT_LISTENER: ChannelListener = { close: async () => {} };

/**
 * SQLite's side of the `DialectAdapter`: one process, one file. BEGIN IMMEDIATE takes the write lock
 * for the whole database, so locks are no-ops and there is nobody to notify (readers poll).
 */
export function createSqliteDialectAdapter(db: Kysely<DatabaseSchema>): DialectAdapter {
  return {
    name: 'sqlite',
    writeTransaction: (work) =>
      db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          const result = await work(connection);
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      }),
    lockForTransaction: async () => {},
    lockRowsForUpdate: (select) => select,
    notify: async () => {},
    listen: () => SILENT_LISTENER,
    tryAcquireSessionLock: async () => processLock(),
  };
}

/** SQLite's session lock: the one process that writes the file holds it. */
function processLock(): SessionLock {
  let isHeld = true;
  return {
    isHeld: () => isHeld,
    onLost: () => {},
    release: async () => {
      isHeld = false;
    },
  };
}
