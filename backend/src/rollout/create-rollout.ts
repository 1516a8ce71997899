import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { createKyselyRolloutStore } from './kysely-rollout-store.js';
import { createRolloutService, type RolloutService, type RolloutServiceDeps } from './rollout-service.js';
import { createRolloutStateCache, type RolloutStateCache } from './rollout-state-cache.js';
import type { RolloutStore } from './rollout-store.js';
import { createRouter, type Router } from './route-decision.js';
import { createKyselyTurnsReadModel } from './turns-read-model.js';

export interface RolloutWiring {
  database: Database;
  audit: AuditLogger;
  /** The per-actor change limit (the auth service). */
  rateLimiter: RolloutServiceDeps['rateLimiter'];
  /** The SLO monitor's open critical alerts, which block raising the rollout. */
  alerts: RolloutServiceDeps['alerts'];
  clock?: () => Date;
  /** PostgreSQL URL to LISTEN on for changes (undefined: polling only). */
  listenUrl?: string | undefined;
  /** Where the state cache reports that the stored state became unreadable, and readable again. */
  warn?: (message: string) => void;
}

/** The rollout capability: the control-plane service, the routers' live snapshot and the router. */
export interface Rollout {
  service: RolloutService;
  store: RolloutStore;
  /** The in-memory snapshot of the stored state; `start()` keeps it fresh, `stop()` on close. */
  state: RolloutStateCache;
  /** The one decide(): switches, overrides, flag, percent, over the live snapshot. */
  router: Router;
}

/** The rollout capability wired from its slice of config: the app and the test wiring both use this. */
export function createRollout(config: Config['rollout'], wiring: RolloutWiring): Rollout {
  const { database, audit } = wiring;
  const warn = wiring.warn ?? ((message: string) => console.warn(message));
  const store = createKyselyRolloutStore();
  const service = createRolloutService({
    database,
    store,
    audit,
    rateLimiter: wiring.rateLimiter,
    turnsReadModel: createKyselyTurnsReadModel(database.db),
    alerts: wiring.alerts,
    env: config,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  const state = createRolloutStateCache({
    db: database.db,
    store,
    env: config,
    intervalMs: config.pollIntervalMs,
    listenUrl: wiring.listenUrl,
    onStateError: (error) =>
      warn(`rollout state unreadable, routing every turn to legacy: ${(error as Error).message}`),
    onStateRecovered: () => warn('rollout state readable again'),
  });
  const clock = wiring.clock;
  const router = createRouter({
    switches: { emergencyFallback: config.emergencyFallback, legacyTurnEnabled: config.legacyTurnEnabled },
    snapshot: state.current,
    ...(clock ? { now: () => clock().getTime() } : {}),
  });
  return { service, store, state, router };
}
