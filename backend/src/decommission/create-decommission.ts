import type { AuditQueries } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import { createGoldenRunsReadModel } from '../golden-runs/golden-runs-read-model.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { createKyselyTurnsReadModel } from '../rollout/turns-read-model.js';
import type { SloService } from '../slos/awf-slos.js';
import { createKyselySloStore } from '../slos/kysely-slo-store.js';
import type { Database } from '../store/database.js';
import { createDecommissionService, type DecommissionService } from './decommission-service.js';

export interface DecommissionWiring {
  database: Database;
  rollout: Pick<RolloutService, 'status'>;
  audit: Pick<AuditQueries, 'query' | 'verify'>;
  /** This process's SLO monitor: its pending minutes are written before the check reads them. */
  slos: Pick<SloService, 'flush'>;
  /** The served content's hash (services.content.hash). */
  /** Read at use: admin scripts load the content lazily, only when a command needs it. */
  contentHash: () => string;
  clock?: () => Date;
}

/** The decommission check wired from its slice of config: the app and the tests both use this. */
export function createDecommission(
  config: Pick<Config, 'slo' | 'sloMonitoring'>,
  wiring: DecommissionWiring,
): DecommissionService {
  return createDecommissionService({
    rollout: wiring.rollout,
    audit: wiring.audit,
    slo: {
      // Read only: no alert is fired or resolved through it, so it needs no audit appender.
      store: createKyselySloStore(wiring.database),
      thresholds: config.slo,
      minSample: config.sloMonitoring.minSample,
      flush: () => wiring.slos.flush(),
    },
    turns: createKyselyTurnsReadModel(wiring.database.db),
    goldens: createGoldenRunsReadModel(wiring.database.db),
    contentHash: wiring.contentHash,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
}
