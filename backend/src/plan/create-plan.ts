import type { AuditLogger } from '../audit/audit-logger.js';
import type { Config } from '../config/config.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { codeVersion } from '../shared/code-version.js';
import type { SloService } from '../slos/awf-slos.js';
import type { Database } from '../store/database.js';
import { createGoldenSuiteProcess } from './golden-suite-process.js';
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
  /** The code this process runs (default: shared/code-version.ts): golden runs on other code do not count. */
  codeVersion?: () => string;
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
export function createPlan(
  config: Pick<Config, 'slo' | 'plan' | 'store' | 'content'>,
  wiring: PlanWiring,
): Plan {
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
    latestGoldenRun: (served) => store.latestGoldenRun(wiring.database.db, served),
  };
  const shared = {
    database: wiring.database,
    store,
    audit: wiring.audit,
    reader,
    thresholds: config.slo,
    contentHash: wiring.contentHash,
    codeVersion: wiring.codeVersion ?? codeVersion,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  };
  const service = createPlanService({ ...shared, rollout: wiring.rollout });
  const controller = createPlanController({
    ...shared,
    rollout: wiring.rollout,
    intervalMs: config.plan.intervalMs,
    // The suite runs in a child process against this process's store and content.
    goldenSuite: createGoldenSuiteProcess({ store: config.store, contentDir: config.content.dir }),
    ...(wiring.log ? { log: wiring.log } : {}),
  });
  return { service, controller, store };
}
