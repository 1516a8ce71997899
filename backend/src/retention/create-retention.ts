import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { createKyselyRetentionStore } from './kysely-retention-store.js';
import {
  createRetentionService,
  type RetentionService,
  type RetentionServiceDeps,
} from './retention-service.js';

export interface RetentionWiring {
  database: Database;
  audit: AuditLogger;
  /** The per-actor change limit (the auth service). */
  rateLimiter: RetentionServiceDeps['rateLimiter'];
  clock?: () => Date;
  log?: (line: string) => void;
}

/** The retention capability wired from its slice of config: the app and the tests both use this. */
export function createRetention(
  config: Pick<Config, 'retention' | 'sloMonitoring'>,
  wiring: RetentionWiring,
): RetentionService {
  return createRetentionService({
    database: wiring.database,
    store: createKyselyRetentionStore(),
    audit: wiring.audit,
    rateLimiter: wiring.rateLimiter,
    defaults: { sloDays: config.sloMonitoring.retentionDays, turnDays: config.retention.turnDays ?? null },
    intervalMs: config.retention.intervalSeconds * 1000,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
    ...(wiring.log ? { log: wiring.log } : {}),
  });
}
