import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { loadCheckpointSigner } from './audit-checkpoints.js';
import { type AuditLogger, createAuditLogger } from './audit-logger.js';
import { createFileWitness } from './audit-witness.js';
import { type CheckpointKeeper, createCheckpointKeeper, type KeeperLog } from './checkpoint-keeper.js';

export interface AuditWiring {
  database: Database;
  clock?: () => Date;
  /** Where a failing witness write is reported (default: console.error). */
  log?: KeeperLog;
}

/** The audit logger and what keeps its tail short: the interval checkpoint and the witness copy. */
export type AuditCapability = AuditLogger & { keeper: CheckpointKeeper };

/** The audit capability wired from its slice of config: the app and the test wiring both use this. */
export function createAudit(config: Config['audit'], wiring: AuditWiring): AuditCapability {
  let keeper: CheckpointKeeper | undefined;
  const logger = createAuditLogger({
    database: wiring.database,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
    checkpointEvery: config.checkpointEvery,
    ...(config.signingKeyFile ? { signer: loadCheckpointSigner(config.signingKeyFile) } : {}),
    onCheckpoint: () => keeper?.noteCheckpoint(),
  });
  keeper = createCheckpointKeeper({
    source: logger,
    intervalSec: config.checkpointIntervalSec,
    witness: config.witnessFile ? createFileWitness(config.witnessFile) : undefined,
    ...(wiring.log ? { log: wiring.log } : {}),
  });
  return Object.assign(logger, { keeper });
}
