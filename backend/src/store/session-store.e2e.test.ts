import { DATABASE_SESSIONS, KYSELY_SESSIONS, sessionStoreContract } from './session-store.contract.js';
import { testDatabaseTargets } from './testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  sessionStoreContract(target, DATABASE_SESSIONS);
  // On SQLite the database's store is its own implementation; the Kysely one must still hold too.
  if (target.name === 'sqlite') sessionStoreContract(target, KYSELY_SESSIONS);
}
