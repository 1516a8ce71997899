import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { SloService } from '../slos/awf-slos.js';
import type { Database } from '../store/database.js';
import { createKyselyPlanStore } from './kysely-plan-store.js';
import type { PlanInputsReader } from './plan-assessment.js';
import { createPlanController, type PlanController } from './plan-controller.js';
import { createPlanService, type PlanService } from './plan-service.js';
import type { PlanStore } from './plan-store.js';

export interface PlanWiring {
  database: Database;
  audit: AuditLogger;
  /** Reads the switches and writes the plan's percentage in the plan's own transaction. */
  rollout: Pick<RolloutService, 'applyPlanPercent' | 'readState' | 'status'>;
  /** The SLO monitor: its stored minutes (flushed first) and its open critical alerts. */
  slos: Pick<SloService, 'minutes' | 'openCriticalAlerts'>;
  /** The content the process serves (services.content.hash): golden runs on other content do not count. */
  /** Read at use: admin scripts load the content lazily, only when a command needs it. */
  contentHash: () => string;
  clock?: () => Date;
  log?: { info(message: string): void; warn(message: string): void };
}

/** The staged rollout plan (issue 12): the operators' service and the controller. */
export interface Plan {
  service: PlanService;
  controller: PlanController;
  store: PlanStore;
}

/** The plan capability wired from its slice of config: the app, the test wiring and the simulator use this. */
export function createPlan(config: Pick<Config, 'slo' | 'plan'>, wiring: PlanWiring): Plan {
  const store = createKyselyPlanStore();
  const reader: PlanInputsReader = {
    minutes: (from, to) => wiring.slos.minutes(from, to),
    openCriticalAlerts: () => wiring.slos.openCriticalAlerts(),
    async switches() {
      const { effective } = await wiring.rollout.status();
      return {
        globalEnabled: effective.globalEnabled.value,
        emergencyFallback: effective.emergencyFallback.value,
        legacyTurnEnabled: effective.legacyTurnEnabled.value,
      };
    },
    latestGoldenRun: () => store.latestGoldenRun(wiring.database.db),
  };
  const shared = {
    database: wiring.database,
    store,
    audit: wiring.audit,
    reader,
    thresholds: config.slo,
    contentHash: wiring.contentHash,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  };
  const service = createPlanService({ ...shared, rollout: wiring.rollout });
  const controller = createPlanController({
    ...shared,
    rollout: wiring.rollout,
    intervalMs: config.plan.intervalMs,
    ...(wiring.log ? { log: wiring.log } : {}),
  });
  return { service, controller, store };
}
