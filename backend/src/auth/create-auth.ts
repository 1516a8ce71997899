import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { type AuthService, createAuthService } from './auth-service.js';
import { createKyselyAuthStore } from './kysely-auth-store.js';

export interface AuthWiring {
  database: Database;
  audit: AuditLogger;
  clock?: () => Date;
  /** The limit while none is stored; DEFAULT_CHANGE_RATE_LIMIT unless a test says otherwise. */
  defaultRateLimit?: { changes: number; windowSec: number };
}

/**
 * The auth capability wired from its slice of config: the app and the test wiring both use this.
 * The change rate limit is read from the store on every change, never from this config: the
 * config's `changeRateSeed` is stored by the server at start-up (createServices), not applied here.
 */
export function createAuth(_config: Config['auth'], wiring: AuthWiring): AuthService {
  return createAuthService({
    database: wiring.database,
    store: createKyselyAuthStore(),
    audit: wiring.audit,
    ...(wiring.defaultRateLimit ? { defaultRateLimit: wiring.defaultRateLimit } : {}),
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
}
