import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { NO_ENV, type SeededActors, seedActors, wireControlPlane } from '../rollout/testing/control-plane.js';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import type { SloAlertEvent } from './alert-delivery.js';
import { createSloService, type SloService } from './awf-slos.js';
import { createKyselySloStore } from './kysely-slo-store.js';
import { TEST_SLO_SETTINGS, TEST_SLO_THRESHOLDS } from './testing/slo-test-services.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');

/** A stored turn (what `awfTurnsSinceChange` counts), routed to `pipeline`, at `at`. */
async function insertTurn(database: Database, n: number, pipeline: 'awf' | 'legacy', at: string) {
  const sessionId = `s-${n}`;
  await database.db
    .insertInto('sessions')
    .values({
      session_id: sessionId,
      user_id: `u-${n}`,
      seed: 1,
      state: '{}',
      turn_count: 1,
      last_choices: '[]',
      created_at: at,
      updated_at: at,
    })
    .execute();
  await database.db
    .insertInto('turns')
    .values({
      session_id: sessionId,
      turn_no: 1,
      user_id: `u-${n}`,
      input: 'look',
      pipeline,
      route_reason: 'percent_bucket',
      scene: 'glade',
      retried: 0,
      fallback: 0,
      fallback_reason: null,
      latency_ms: 1,
      result: '{}',
      created_at: at,
    })
    .execute();
}

for (const target of testDatabaseTargets()) {
  describe(`SLO alerts after a rollback (${target.name})`, () => {
    let database: TestDatabase;
    let now = T0;
    const clock = () => new Date(now);
    const services: SloService[] = [];
    let actors: SeededActors;

    before(async () => {
      database = await target.open();
      actors = await seedActors(wireControlPlane(database).auth);
    });
    afterEach(async () => {
      for (const service of services.splice(0)) await service.close();
      for (const table of ['slo_minutes', 'slo_history', 'slo_alerts', 'rollout_overrides'] as const) {
        await database.db.deleteFrom(table).execute();
      }
    });
    after(async () => {
      await database.close();
    });

    /** The control plane and an SLO monitor that reads the rollout through the same reader the app wires. */
    async function monitor() {
      now = T0;
      const plane = wireControlPlane(database, { clock });
      const afterSeq = (await plane.audit.head())?.seq ?? 0;
      const resolvedEntries = () => plane.audit.query({ action: 'slo.alert.resolved', afterSeq });
      const lines: string[] = [];
      const events: SloAlertEvent[] = [];
      const slos = createSloService({
        store: createKyselySloStore(database, plane.audit),
        thresholds: TEST_SLO_THRESHOLDS,
        settings: TEST_SLO_SETTINGS,
        instanceId: 'web-1',
        now: () => now,
        log: { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) },
        rollout: { readTraffic: () => plane.rollout.awfTraffic() },
      });
      services.push(slos);
      slos.onAlert((event) => {
        events.push(event);
      });
      await plane.rollout.setRollout(actors.principals.operator, { globalEnabled: true, percent: 25 });
      // 200 AWF turns, 13 of them falling back: 6.5 % > 1 %, a critical alert.
      for (let i = 0; i < 200; i++) {
        slos.recordTurn({ pipeline: 'awf', latencyMs: 900, retried: false, fallback: i < 13 });
      }
      const fired = await slos.evaluate();
      assert.deepEqual(
        fired.alerts.map((alert) => alert.slo),
        ['fallback_rate'],
      );
      now += 30_000;
      return { plane, operator: actors.principals.operator, slos, lines, events, resolvedEntries };
    }

    it('resolves the open alert as rolled_back at the first evaluation after --percent 0, in history, audit, log and callbacks', async () => {
      const { plane, operator, slos, lines, events, resolvedEntries } = await monitor();
      const change = await plane.rollout.setPercent(operator, 0);
      now += 30_000;
      const report = await slos.evaluate();
      assert.deepEqual(report.alerts, []);
      const [row] = await database.db.selectFrom('slo_alerts').selectAll().execute();
      assert.equal(row?.resolved_reason, 'rolled_back');
      assert.equal(row?.resolved_by, 'web-1');
      const [resolvedAlert] = await createKyselySloStore(database).listAlerts('2026-06-01T00:00:00.000Z');
      assert.equal(resolvedAlert?.resolvedReason, 'rolled_back');
      assert.deepEqual((await slos.status('5m')).rolledBack, [
        { slo: 'fallback_rate', alertId: resolvedAlert?.id, resolvedAt: '2026-06-01T12:01:00.000Z' },
      ]);
      const [entry] = await resolvedEntries();
      assert.equal(entry?.details.reason, 'rolled_back');
      assert.deepEqual(entry?.details.rollout, {
        why: 'percent 0',
        version: change.version,
        changedAt: '2026-06-01T12:00:30.000Z',
        changedBy: 'ops-1',
      });
      assert.deepEqual(
        events.map((event) => [event.kind, event.reason ?? null, event.rollout?.why ?? null]),
        [
          ['fired', null, null],
          ['resolved', 'rolled_back', 'percent 0'],
        ],
      );
      assert.ok(
        lines.some((line) =>
          line.startsWith(
            'SLO alert resolved by rollback: fallback rate (critical, fired at 6.50 % > threshold 1.00 %): the rollout routes nobody to AWF (percent 0;',
          ),
        ),
        lines.join('\n'),
      );
    });

    it("reports an SLO as rolled back only while its latest alert's resolution is rolled_back", async () => {
      const { plane, operator, slos } = await monitor();
      await plane.rollout.setPercent(operator, 0);
      await slos.evaluate();
      assert.deepEqual(
        (await slos.status('5m')).rolledBack?.map((alert) => alert.slo),
        ['fallback_rate'],
      );
      // Traffic returns and fails again: a newer alert opens, so the rollback no longer speaks for the SLO.
      await plane.rollout.setPercent(operator, 25);
      now += 60_000;
      const again = await slos.evaluate();
      assert.deepEqual(
        again.alerts.map((alert) => alert.slo),
        ['fallback_rate'],
      );
      assert.deepEqual((await slos.status('5m')).rolledBack, []);
    });

    it('fires nothing again while nobody is routed to AWF, though the window still holds the failing turns', async () => {
      const { plane, operator, slos } = await monitor();
      await plane.rollout.setPercent(operator, 0);
      for (let i = 0; i < 3; i++) {
        now += 10_000;
        const report = await slos.evaluate();
        assert.equal(report.slos.find((slo) => slo.slo === 'fallback_rate')?.state, 'critical');
        assert.deepEqual(report.alerts, []);
      }
      const alerts = await database.db.selectFrom('slo_alerts').select('resolved_reason').execute();
      assert.deepEqual(alerts, [{ resolved_reason: 'rolled_back' }]);
    });

    it('resolves as rolled_back after --global off too', async () => {
      const { plane, operator, slos, resolvedEntries } = await monitor();
      await plane.rollout.setGlobalFlag(operator, false);
      const report = await slos.evaluate();
      assert.deepEqual(report.alerts, []);
      assert.equal(report.rollout?.why, 'global flag off (store)');
      const [entry] = await resolvedEntries();
      assert.equal(entry?.details.reason, 'rolled_back');
    });

    it('resolves as rolled_back when the evaluating process restarts with EMERGENCY_FALLBACK=true', async () => {
      await monitor();
      const switched = wireControlPlane(database, { clock, env: { ...NO_ENV, emergencyFallback: true } });
      const restarted = createSloService({
        store: createKyselySloStore(database, switched.audit),
        thresholds: TEST_SLO_THRESHOLDS,
        settings: TEST_SLO_SETTINGS,
        instanceId: 'web-1',
        now: () => now,
        log: { info: () => {}, warn: () => {}, error: () => {} },
        rollout: { readTraffic: () => switched.rollout.awfTraffic() },
      });
      services.push(restarted);
      const report = await restarted.evaluate();
      assert.deepEqual(report.alerts, []);
      assert.equal(report.rollout?.why, 'EMERGENCY_FALLBACK=true');
      const alerts = await database.db.selectFrom('slo_alerts').select('resolved_reason').execute();
      assert.deepEqual(alerts, [{ resolved_reason: 'rolled_back' }]);
    });

    it('keeps the alert open at 0 % while an unexpired enable override still routes someone to AWF', async () => {
      const { plane, operator, slos } = await monitor();
      await plane.rollout.setOverride(operator, { kind: 'user', subjectId: 'beta-1', pipeline: 'awf' });
      await plane.rollout.setPercent(operator, 0);
      const report = await slos.evaluate();
      assert.equal(report.rollout?.routesNobodyToAwf, false);
      assert.equal(report.rollout?.why, 'percent 0, but 1 enable override');
      assert.deepEqual(
        report.alerts.map((alert) => alert.slo),
        ['fallback_rate'],
      );
    });

    it('keeps the alert open when the percentage is only lowered', async () => {
      const { plane, operator, slos } = await monitor();
      await plane.rollout.setPercent(operator, 5);
      const report = await slos.evaluate();
      assert.equal(report.rollout?.routesNobodyToAwf, false);
      assert.equal(report.alerts.length, 1);
    });
  });

  describe(`rollout .awfTraffic() (${target.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database.close();
    });

    it('counts the stored AWF turns after the last rollout change, not before it nor legacy ones', async () => {
      let now = T0;
      const plane = wireControlPlane(database, { clock: () => new Date(now) });
      const { principals } = await seedActors(plane.auth);
      await insertTurn(database, 1, 'awf', '2026-06-01T11:59:00.000Z');
      assert.equal((await plane.rollout.awfTraffic()).awfTurnsSinceChange, 1);
      now = Date.parse('2026-06-01T12:00:00.000Z');
      await plane.rollout.setRollout(principals.operator, { globalEnabled: true, percent: 10 });
      await insertTurn(database, 2, 'awf', '2026-06-01T12:00:01.000Z');
      await insertTurn(database, 3, 'awf', '2026-06-01T12:00:02.000Z');
      await insertTurn(database, 4, 'legacy', '2026-06-01T12:00:03.000Z');
      const traffic = await plane.rollout.awfTraffic();
      assert.deepEqual(traffic, {
        routesNobodyToAwf: false,
        why: 'percent 10, global flag on',
        version: traffic.version,
        changedAt: '2026-06-01T12:00:00.000Z',
        changedBy: 'ops-1',
        awfTurnsSinceChange: 2,
      });
      now = Date.parse('2026-06-01T12:05:00.000Z');
      await plane.rollout.setPercent(principals.operator, 0);
      assert.deepEqual(
        [(await plane.rollout.awfTraffic()).awfTurnsSinceChange, (await plane.rollout.awfTraffic()).why],
        [0, 'percent 0'],
      );
    });
  });
}
