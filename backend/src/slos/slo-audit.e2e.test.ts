import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestServices } from '../app/testing/test-services.js';
import { type AuditLogger, createAuditLogger } from '../audit/audit-logger.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { createSloService, type SloService } from './awf-slos.js';
import { createKyselySloStore } from './kysely-slo-store.js';
import { TEST_SLO_SETTINGS, TEST_SLO_THRESHOLDS } from './testing/slo-test-services.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

for (const target of testDatabaseTargets()) {
  describe(`SLO alerts in the audit log (${target.name})`, () => {
    let database: TestDatabase;
    let audit: AuditLogger;
    let slos: SloService;
    let now = T0;

    before(async () => {
      database = await target.open();
      audit = createAuditLogger({ database });
      slos = createSloService({
        store: createKyselySloStore(database, audit),
        thresholds: TEST_SLO_THRESHOLDS,
        settings: TEST_SLO_SETTINGS,
        instanceId: 'audit-test',
        now: () => now,
        log: { info: () => {}, warn: () => {}, error: () => {} },
      });
    });
    after(async () => {
      await slos.close();
      await database.close();
    });

    const play = (turns: number, fellBack: number) => {
      for (let i = 0; i < turns; i++) {
        slos.recordTurn({ pipeline: 'awf', latencyMs: 800, retried: false, fallback: i < fellBack });
      }
    };

    it('appends slo.alert.fired and slo.alert.resolved entries by system, once each, on an intact chain', async () => {
      play(200, 8);
      await slos.evaluate();
      await slos.evaluate();
      now += 10 * 60_000;
      play(200, 0);
      await slos.evaluate();
      await slos.evaluate();

      const entries = await audit.query({ action: 'slo.alert.*', order: 'asc' });
      assert.deepEqual(
        entries.map((entry) => [entry.actor, entry.action, entry.entity]),
        [
          ['system', 'slo.alert.fired', 'slo:fallback_rate'],
          ['system', 'slo.alert.resolved', 'slo:fallback_rate'],
        ],
      );
      const [fired, resolved] = entries;
      assert.equal(fired?.details.value, 4);
      assert.equal(fired?.details.threshold, 1);
      assert.equal(fired?.details.severity, 'critical');
      assert.equal(fired?.details.sample, 200);
      assert.equal(resolved?.details.value, 0);
      assert.equal(resolved?.details.reason, 'recovered');
      assert.equal(resolved?.details.alertId, fired?.details.alertId);
      const alert = await database.db.selectFrom('slo_alerts').selectAll().executeTakeFirstOrThrow();
      assert.equal(fired?.details.alertId, alert.id);
      assert.equal((await audit.verify()).ok, true);
    });
  });
}

describe('SLO alerts in the audit log, as createServices wires them', () => {
  it('records the fired alert in the process audit log', async () => {
    // Every AWF answer invalid: each turn retries, then falls back.
    const services = await createTestServices({
      AWF_BUNDLE_ON: 'true',
      AWF_PERCENT_ROLLOUT: '100',
      AWF_LOCAL_INVALID_RATE: '1',
      SLO_MIN_SAMPLE: '3',
      SLO_EVALUATION_INTERVAL_SECONDS: '0',
    });
    try {
      services.slos.onAlert(() => {});
      const { sessionId } = await services.turns.startSession({ seed: 3 });
      for (let i = 0; i < 3; i++) await services.turns.playTurn(sessionId, 'look around');
      const report = await services.slos.evaluate();
      assert.deepEqual(report.alerts.map((alert) => alert.slo).sort(), [
        'fallback_rate',
        'invalid_retry_rate',
      ]);
      const entries = await services.audit.query({ action: 'slo.alert.fired', order: 'asc' });
      assert.deepEqual(entries.map((entry) => entry.entity).sort(), [
        'slo:fallback_rate',
        'slo:invalid_retry_rate',
      ]);
    } finally {
      await services.dispose();
    }
  });
});
