import { sessionStoreContract } from './session-store.contract.js';
import { testDatabaseTargets } from './testing/test-databases.js';

for (const target of testDatabaseTargets()) {
  sessionStoreContract(target);
}
