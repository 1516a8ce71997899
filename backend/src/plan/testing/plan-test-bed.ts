import { createTestServices, type TestServices } from '../../app/testing/test-services.js';
import type { SloLog } from '../../slos/alert-delivery.js';
import type { TestDatabase, TestDatabaseTarget } from '../../store/testing/test-databases.js';

/** A fresh database of a target and the services wired on it, for the staged plan's tests. */
export interface PlanTestBed {
  database: TestDatabase;
  services: TestServices;
  /** Disposes the services, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens a fresh `target` database and wires the services on it with the AWF bundle on, the test's
 * `clock`, and no SLO, audit or rollout-watch timers: the test drives the plan controller itself.
 */
export async function openPlanTestBed(
  target: TestDatabaseTarget,
  options: { clock: () => Date; log?: SloLog },
): Promise<PlanTestBed> {
  const database = await target.open();
  const env: Record<string, string> = { AWF_BUNDLE_ON: 'true' };
  if (database.url) env.DATABASE_URL = database.url;
  let services: TestServices;
  try {
    services = await createTestServices(env, {
      clock: options.clock,
      sloTimers: false,
      auditTimers: false,
      watchRollout: false,
      ...(options.log ? { log: options.log } : {}),
      ...(database.sqlitePath ? { sqlitePath: database.sqlitePath } : {}),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    database,
    services,
    async close() {
      await services.dispose();
      await database.close();
    },
  };
}
