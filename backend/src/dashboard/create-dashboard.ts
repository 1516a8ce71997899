import type { AuditLogger } from '../audit/audit-logger.js';
import {
  createGoldenRunsReadModel,
  type GoldenRunsReadModel,
} from '../golden-runs/golden-runs-read-model.js';
import type { RolloutStateCache } from '../rollout/rollout-state-cache.js';
import type { Database } from '../store/database.js';
import { type ChangeFeed, createChangeFeed } from './change-feed.js';

/** The operator dashboard's server side: what its live stream watches and the golden runs it reads. */
export interface Dashboard {
  changes: ChangeFeed;
  goldens: GoldenRunsReadModel;
  close(): void;
}

export interface DashboardDeps {
  database: Database;
  audit: Pick<AuditLogger, 'head'>;
  rolloutState: Pick<RolloutStateCache, 'onChange'>;
  now?: () => number;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const changes = createChangeFeed({
    auditHeadSeq: async () => (await deps.audit.head())?.seq ?? 0,
    onRolloutChange: (listener) => deps.rolloutState.onChange(listener),
    ...(deps.now ? { now: deps.now } : {}),
  });
  return {
    changes,
    goldens: createGoldenRunsReadModel(deps.database.db),
    close: () => changes.close(),
  };
}
