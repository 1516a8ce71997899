import type { AuditAppender } from '../audit/audit-types.js';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import type { SloLog } from './alert-delivery.js';
import { createSloService, type RolloutTrafficReader, type SloService } from './awf-slos.js';
import { createKyselySloStore } from './kysely-slo-store.js';
import { createTurnMetrics, type RolloutGauges, type TurnMetrics } from './turn-metrics.js';

export interface SlosWiring {
  database: Database;
  /** Where alerts are audited, in the same transaction as the alert row. */
  audit: AuditAppender;
  /** Epoch ms (a fake clock in tests and the simulator). */
  now?: () => number;
  /** The effective rollout for the rollout gauges; undefined while it cannot be read. */
  rolloutGauges: () => Omit<RolloutGauges, 'emergencyFallback' | 'legacyTurnEnabled'> | undefined;
  /** The rollout's AWF traffic: a rollback resolves open alerts as rolled_back. */
  rolloutTraffic: RolloutTrafficReader;
  /** Where alert lines go (default: the console); the simulator keeps them out of its --json stdout. */
  log?: SloLog;
}

/** The SLO capability: the monitor (aggregates, evaluation, alerts) and this instance's Prometheus metrics. */
export interface Slos {
  slos: SloService;
  metrics: TurnMetrics;
}

type SloConfig = Pick<Config, 'slo' | 'sloMonitoring' | 'metrics' | 'instanceId'> & {
  /** The process's routing switches, shown as gauges even while the stored state cannot be read. */
  rollout: Pick<Config['rollout'], 'emergencyFallback' | 'legacyTurnEnabled'>;
};

/** The SLO capability wired from its slice of config: the app and the test wiring both use this. */
export function createSlos(config: SloConfig, wiring: SlosWiring): Slos {
  const monitoring = config.sloMonitoring;
  const slos = createSloService({
    store: createKyselySloStore(wiring.database, wiring.audit),
    thresholds: config.slo,
    settings: {
      evaluationWindow: monitoring.evaluationWindow,
      evaluationIntervalMs: monitoring.evaluationIntervalSeconds * 1000,
      flushIntervalMs: monitoring.flushIntervalSeconds * 1000,
      minSample: monitoring.minSample,
      resolveHysteresisPct: monitoring.resolveHysteresisPct,
      alertConfidencePct: monitoring.alertConfidencePct,
      webhookUrl: monitoring.alertWebhookUrl,
      noDataResolveEvaluations: monitoring.noDataResolveEvaluations,
    },
    instanceId: config.instanceId,
    rollout: wiring.rolloutTraffic,
    ...(wiring.now ? { now: wiring.now } : {}),
    ...(wiring.log ? { log: wiring.log } : {}),
  });
  const metrics = createTurnMetrics({
    turnP95Ms: config.slo.turnP95Ms,
    scrapeToken: config.metrics.scrapeToken,
    sloReport: slos.lastReport,
    rollout: () => ({
      ...(wiring.rolloutGauges() ?? { percent: 0, globalEnabled: false, overrides: { user: 0, session: 0 } }),
      emergencyFallback: config.rollout.emergencyFallback,
      legacyTurnEnabled: config.rollout.legacyTurnEnabled,
    }),
  });
  return { slos, metrics };
}
