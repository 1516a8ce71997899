import type { AuditAppender } from '../../audit/audit-types.js';
import type { Database } from '../../store/database.js';
import type { SloLog } from '../alert-delivery.js';
import { createSloService, type SloMonitoringSettings, type SloService } from '../awf-slos.js';
import { createKyselySloStore } from '../kysely-slo-store.js';

/** The spec's SLO thresholds: p95 turn latency 8 s, invalid-output retries 5 %, fallbacks 1 %. */
export const TEST_SLO_THRESHOLDS = Object.freeze({
  turnP95Ms: 8000,
  invalidRetryRatePct: 5,
  fallbackRatePct: 1,
});

/** Monitoring over 5 minutes with no timers (the test flushes and evaluates), 100 turns at least. */
export const TEST_SLO_SETTINGS: SloMonitoringSettings = Object.freeze({
  evaluationWindow: '5m',
  evaluationIntervalMs: 0,
  flushIntervalMs: 0,
  minSample: 100,
  resolveHysteresisPct: 10,
  retentionDays: 30,
});

/** A log that drops every line. */
export const SILENT_SLO_LOG: SloLog = Object.freeze({ info() {}, warn() {}, error() {} });

export interface TestSloServiceOptions {
  /** The connection its store writes to (default: the database the services were made for). */
  on?: Database;
  instanceId?: string;
  now?: () => number;
  /** Replaces fields of TEST_SLO_SETTINGS. */
  settings?: Partial<SloMonitoringSettings>;
  audit?: AuditAppender;
  log?: SloLog;
}

/** SLO services a test opens on one database, and how to put the database back as it was. */
export interface TestSloServices {
  /** Every service opened and not yet closed by reset(), oldest first. */
  opened: SloService[];
  /** A service over a Kysely SLO store with TEST_SLO_THRESHOLDS and TEST_SLO_SETTINGS, as `instance-a` at T0 unless told. */
  open(options?: TestSloServiceOptions): SloService;
  /** Closes every service opened, then empties slo_minutes, slo_history and slo_alerts. */
  reset(): Promise<void>;
}

/** SLO services over `database` for the SLO tests; `now` is the clock a service reads unless told another. */
export function testSloServices(database: Database, now: () => number): TestSloServices {
  const opened: SloService[] = [];
  return {
    opened,
    open(options = {}) {
      const service = createSloService({
        store: createKyselySloStore(options.on ?? database, options.audit),
        thresholds: TEST_SLO_THRESHOLDS,
        settings: { ...TEST_SLO_SETTINGS, ...options.settings },
        instanceId: options.instanceId ?? 'instance-a',
        now: options.now ?? now,
        log: options.log ?? SILENT_SLO_LOG,
      });
      opened.push(service);
      return service;
    },
    async reset() {
      for (const service of opened.splice(0)) await service.close();
      await database.db.deleteFrom('slo_minutes').execute();
      await database.db.deleteFrom('slo_history').execute();
      await database.db.deleteFrom('slo_alerts').execute();
    },
  };
}
