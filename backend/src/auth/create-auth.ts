import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { type AuthService, createAuthService } from './auth-service.js';
import { createKyselyAuthStore } from './kysely-auth-store.js';

export interface AuthWiring {
  database: Database;
  audit: AuditLogger;
  clock?: () => Date;
}

/** The auth capability wired from its slice of config: the app and the test wiring both use this. */
export function createAuth(config: Config['auth'], wiring: AuthWiring): AuthService {
  return createAuthService({
    database: wiring.database,
    store: createKyselyAuthStore(),
    audit: wiring.audit,
    rateLimit: { changes: config.changeRateLimit, windowSec: config.changeRateWindowSec },
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
}
