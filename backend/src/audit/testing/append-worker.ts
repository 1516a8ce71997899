/**
 * A separate process appending audit entries, for the concurrency tests: `node --import tsx
 * append-worker.ts <worker> <count>` with DATABASE_URL or AWF_DB_PATH set. It opens the store,
 * prints `ready`, and appends when a line arrives on stdin, so every worker starts at once.
 */
import { once } from 'node:events';
import { parseConfig } from '../../config/config.js';
import { openDatabase } from '../../store/database.js';
import { createAuditLogger } from '../audit-logger.js';

const [worker = 'worker', countText = '10'] = process.argv.slice(2);
const database = await openDatabase(parseConfig(process.env).store);
const audit = createAuditLogger({ database });
process.stdout.write('ready\n');
await once(process.stdin, 'data');
for (let i = 0; i < Number(countText); i++) {
  await audit.append({ actor: 'system', action: 'test.append', entity: `worker:${worker}`, details: { i } });
}
await database.close();
process.stdin.destroy();
