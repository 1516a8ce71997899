import type { Config } from '../../config/config.js';
import type { Database } from '../../store/database.js';
import type { RolloutStateCache } from '../rollout-state-cache.js';
import type { Router } from '../route-decision.js';
import { createEvaluationCounter, type EvaluationCounter } from './evaluation-counter.js';
import { createFlagEvaluator, type FlagEvaluator } from './ofrep-evaluation.js';
import { createTokenBuckets, type TokenBuckets } from './token-bucket.js';

export interface OfrepWiring {
  database: Database;
  /** The turn path's router and the snapshot it reads (the rollout capability's). */
  router: Router;
  state: Pick<RolloutStateCache, 'current'>;
  /** Epoch ms (a fake clock in tests). */
  now?: () => number;
}

/** Flag evaluation for OFREP: the evaluator, its per-minute counts and the per-token rate limit. */
export interface Ofrep {
  evaluator: FlagEvaluator;
  counter: EvaluationCounter;
  rateLimit: TokenBuckets & { perSecond: number };
}

type OfrepConfig = Pick<Config, 'ofrep' | 'instanceId' | 'sloMonitoring'>;

/**
 * OFREP wired from its slice of config: the app and the tests use this. Counts are flushed on the SLO
 * aggregates' interval and kept as long as them; `counter.start()` starts the timer, `close()` flushes.
 */
export function createOfrep(config: OfrepConfig, wiring: OfrepWiring): Ofrep {
  const now = wiring.now ?? Date.now;
  const counter = createEvaluationCounter({
    database: wiring.database,
    instanceId: config.instanceId,
    flushIntervalMs: config.sloMonitoring.flushIntervalSeconds * 1000,
    retentionDays: config.sloMonitoring.retentionDays,
    now,
  });
  const evaluator = createFlagEvaluator({
    router: wiring.router,
    snapshot: wiring.state.current,
    recorder: counter,
  });
  const perSecond = config.ofrep.rateLimitPerSecond;
  return { evaluator, counter, rateLimit: { ...createTokenBuckets(perSecond, now), perSecond } };
}
