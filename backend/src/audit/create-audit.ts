import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { loadCheckpointSigner } from './audit-checkpoints.js';
import { type AuditLogger, createAuditLogger } from './audit-logger.js';

export interface AuditWiring {
  database: Database;
  clock?: () => Date;
}

/** The audit capability wired from its slice of config: the app and the test wiring both use this. */
export function createAudit(config: Config['audit'], wiring: AuditWiring): AuditLogger {
  return createAuditLogger({
    database: wiring.database,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
    checkpointEvery: config.checkpointEvery,
    ...(config.signingKeyFile ? { signer: loadCheckpointSigner(config.signingKeyFile) } : {}),
  });
}
