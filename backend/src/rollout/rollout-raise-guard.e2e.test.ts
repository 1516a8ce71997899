import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import { createKyselySloStore } from '../slos/kysely-slo-store.js';
import type { SloAlert } from '../slos/slo-store.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import {
  type ControlPlane,
  controlPlaneFingerprint,
  type SeededActors,
  seedActors,
  wireControlPlane,
} from './testing/control-plane.js';

const CRITICAL_ALERT: SloAlert = {
  id: 'alert-fallback-1',
  slo: 'fallback_rate',
  severity: 'critical',
  window: '5m',
  threshold: 1,
  firedValue: 6.5,
  firedSample: 200,
  firedAt: '2026-06-01T11:55:00.000Z',
  firedBy: 'web-1',
};

const WARNING_ALERT: SloAlert = {
  ...CRITICAL_ALERT,
  id: 'alert-latency-1',
  slo: 'turn_latency_p95',
  severity: 'warning',
  threshold: 8000,
  firedValue: 9100,
};

for (const target of testDatabaseTargets()) {
  describe(`rollout raise guard: raising while a critical SLO alert is open (${target.name})`, () => {
    let database: TestDatabase;
    let plane: ControlPlane;
    let actors: SeededActors;

    before(async () => {
      database = await target.open();
      plane = wireControlPlane(database, { clock: () => new Date('2026-06-01T12:00:00.000Z') });
      actors = await seedActors(plane.auth);
    });
    beforeEach(async () => {
      await database.db.deleteFrom('slo_alerts').execute();
    });
    after(async () => {
      await database.close();
    });

    const operator = () => actors.principals.operator;
    /** The rollout at `percent` with the stored flag `globalEnabled`, while no alert is open; then `alerts` fire. */
    async function startAt(globalEnabled: boolean, percent: number, alerts: SloAlert[] = [CRITICAL_ALERT]) {
      await plane.rollout.setRollout(operator(), { globalEnabled, percent });
      const slos = createKyselySloStore(database);
      for (const alert of alerts) assert.equal(await slos.fireAlert(alert), true);
    }
    const lastEntry = async () => (await plane.audit.getRecentLogs(1))[0];

    it('refuses a higher percentage with ROLLOUT_BLOCKED_BY_ALERT (409) naming the alert, changing nothing', async () => {
      await startAt(true, 5);
      const before = await controlPlaneFingerprint(database);
      await assert.rejects(
        plane.rollout.setPercent(operator(), 25),
        (error: Error & Record<string, unknown>) => {
          assert.equal(error.code, 'ROLLOUT_BLOCKED_BY_ALERT');
          assert.equal(error.statusCode, 409);
          assert.match(error.message, /percent 5 → 25/);
          assert.match(
            error.message,
            /fallback_rate \(alert alert-fallback-1, since 2026-06-01T11:55:00\.000Z\)/,
          );
          assert.match(error.message, /--force --reason/);
          assert.deepEqual((error.details as { alerts: unknown }).alerts, [
            {
              id: 'alert-fallback-1',
              slo: 'fallback_rate',
              severity: 'critical',
              firedAt: CRITICAL_ALERT.firedAt,
            },
          ]);
          return true;
        },
      );
      await assert.rejects(plane.rollout.setRollout(operator(), { globalEnabled: true, percent: 5.01 }), {
        code: 'ROLLOUT_BLOCKED_BY_ALERT',
      });
      assert.deepEqual(await controlPlaneFingerprint(database), before);
    });

    it('refuses turning the stored global flag on while the percentage is above 0', async () => {
      await startAt(false, 25);
      const before = await controlPlaneFingerprint(database);
      await assert.rejects(plane.rollout.setGlobalFlag(operator(), true), {
        code: 'ROLLOUT_BLOCKED_BY_ALERT',
        message: /global flag off → on at 25 %/,
      });
      assert.deepEqual(await controlPlaneFingerprint(database), before);
    });

    it('always allows lowering, rolling back to 0, turning the flag off, and the flag on at 0 %', async () => {
      await startAt(true, 25);
      assert.equal((await plane.rollout.setPercent(operator(), 10)).new, 10);
      assert.equal((await plane.rollout.setPercent(operator(), 0)).new, 0);
      assert.equal((await plane.rollout.setGlobalFlag(operator(), false)).new, false);
      assert.equal((await plane.rollout.setGlobalFlag(operator(), true)).new, true);
      assert.equal((await plane.rollout.setPercent(operator(), 0)).new, 0);
      assert.equal((await lastEntry())?.details.forced, undefined);
    });

    it('lets a warning alert (latency, retry rate) not block a raise', async () => {
      await startAt(true, 5, [WARNING_ALERT]);
      assert.equal((await plane.rollout.setPercent(operator(), 25)).new, 25);
    });

    it('with force and a reason: raises and audits the entry as forced with the reason and the alert ids', async () => {
      await startAt(true, 5);
      const change = await plane.rollout.setPercent(operator(), 50, {
        force: true,
        reason: '  fallbacks are a known provider blip  ',
      });
      assert.equal(change.new, 50);
      assert.deepEqual(change.forced, {
        reason: 'fallbacks are a known provider blip',
        alertIds: ['alert-fallback-1'],
      });
      const entry = await lastEntry();
      assert.equal(entry?.action, 'rollout.percent.set');
      assert.deepEqual(entry?.details, {
        previous: 5,
        new: 50,
        version: change.version,
        forced: true,
        reason: 'fallbacks are a known provider blip',
        alertIds: ['alert-fallback-1'],
      });
    });

    it('with force where nothing blocks: records forced false and the reason', async () => {
      await startAt(true, 5, []);
      const change = await plane.rollout.setRollout(operator(), {
        percent: 30,
        force: true,
        reason: 'planned',
      });
      assert.equal(change.forced, undefined);
      assert.deepEqual((await lastEntry())?.details, {
        previous: 5,
        new: 30,
        version: change.version,
        forced: false,
        reason: 'planned',
        alertIds: [],
      });
    });

    it('refuses force without a reason, and a reason without force, with INVALID_INPUT and no change', async () => {
      await startAt(true, 5);
      const before = await controlPlaneFingerprint(database);
      for (const guard of [{ force: true }, { force: true, reason: '   ' }, { reason: 'why' }]) {
        await assert.rejects(plane.rollout.setPercent(operator(), 25, guard), { code: 'INVALID_INPUT' });
      }
      assert.deepEqual(await controlPlaneFingerprint(database), before);
    });

    it('allows the raise again once the alert resolved', async () => {
      await startAt(true, 5);
      await createKyselySloStore(database).resolveAlert('fallback_rate', {
        resolvedAt: '2026-06-01T11:59:00.000Z',
        resolvedValue: 0.2,
        resolvedSample: 200,
        resolvedBy: 'web-1',
        resolvedReason: 'recovered',
      });
      assert.equal((await plane.rollout.setPercent(operator(), 25)).new, 25);
    });
  });
}

describe('rollout raise guard over the admin API', () => {
  let api: AdminApi;
  before(async () => {
    api = await startAdminApi();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(async () => {
    const { db } = api.services.database;
    await db.deleteFrom('slo_alerts').execute();
    const start = await api.call('PUT', '/api/admin/rollout', 'operator', {
      globalEnabled: true,
      percent: 5,
    });
    assert.equal(start.statusCode, 200, start.body);
    assert.equal(await createKyselySloStore(api.services.database).fireAlert(CRITICAL_ALERT), true);
  });

  it('PUT /api/admin/rollout/percent and PUT /api/admin/rollout refuse a raise with 409 ROLLOUT_BLOCKED_BY_ALERT', async () => {
    await api.expectRejected(
      () => api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 25 }),
      409,
      'ROLLOUT_BLOCKED_BY_ALERT',
    );
    await api.expectRejected(
      () => api.call('PUT', '/api/admin/rollout', 'admin', { percent: 100 }),
      409,
      'ROLLOUT_BLOCKED_BY_ALERT',
    );
  });

  it('refuses force without a reason (400 INVALID_INPUT) and allows lowering without force', async () => {
    await api.expectRejected(
      () => api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 25, force: true }),
      400,
      'INVALID_INPUT',
    );
    const lower = await api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 0 });
    assert.equal(lower.statusCode, 200, lower.body);
  });

  it('with "force": true and a "reason": raises, answers the forced alert ids and audits them', async () => {
    const forced = await api.call('PUT', '/api/admin/rollout', 'operator', {
      percent: 25,
      force: true,
      reason: 'incident 42 is the provider, not AWF',
    });
    assert.equal(forced.statusCode, 200, forced.body);
    assert.deepEqual(forced.json().forced, {
      reason: 'incident 42 is the provider, not AWF',
      alertIds: ['alert-fallback-1'],
    });
    const [entry] = await api.services.audit.getRecentLogs(1);
    assert.deepEqual(
      [entry?.action, entry?.details.forced, entry?.details.reason, entry?.details.alertIds],
      ['rollout.percent.set', true, 'incident 42 is the provider, not AWF', ['alert-fallback-1']],
    );
  });
});
