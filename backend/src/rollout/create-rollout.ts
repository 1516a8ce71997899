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
  /** The staged plan's guard against manual percentage changes while it runs. */
  plan?: RolloutServiceDeps['plan'];
  clock?: () => Date;
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

/** What reading the rollout needs: no audit, no rate limiter (a service that only decides). */
export type RolloutReaderWiring = Pick<RolloutWiring, 'database' | 'clock' | 'warn'>;

/** The read side alone: the store, the live snapshot and the router over it. */
export type RolloutReader = Omit<Rollout, 'service'>;

/**
 * The rollout's read side wired from its slice of config: what `createRollout` decides with, and what
 * a process that only asks the question (the in-process OpenFeature provider) needs.
 */
export function createRolloutReader(config: Config['rollout'], wiring: RolloutReaderWiring): RolloutReader {
  const warn = wiring.warn ?? ((message: string) => console.warn(message));
  const store = createKyselyRolloutStore();
  const state = createRolloutStateCache({
    db: wiring.database.db,
    store,
    env: config,
    intervalMs: config.pollIntervalMs,
    // Change notifications where the store has them (PostgreSQL LISTEN); polling is the backstop.
    notifications: wiring.database.adapter,
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
  return { store, state, router };
}

/** The rollout capability wired from its slice of config: the app and the test wiring both use this. */
export function createRollout(config: Config['rollout'], wiring: RolloutWiring): Rollout {
  const { database, audit } = wiring;
  const { store, state, router } = createRolloutReader(config, wiring);
  const service = createRolloutService({
    database,
    store,
    audit,
    rateLimiter: wiring.rateLimiter,
    turnsReadModel: createKyselyTurnsReadModel(database.db),
    alerts: wiring.alerts,
    plan: wiring.plan,
    env: config,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  return { service, store, state, router };
}
