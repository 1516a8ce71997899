import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { getAuditLogger } from '../audit/audit-logger.js';
import { isAwfBundleEnabled } from './canary-rollout.js';
import { seedActors } from './testing/control-plane.js';

describe("the seed's process-level accessors", () => {
  let services: TestServices;
  before(async () => {
    services = await createTestServices({}, { watchRollout: false, sloTimers: false });
  });
  after(async () => {
    await services.dispose();
  });

  it('isAwfBundleEnabled({sessionId}) decides with the wired live snapshot', async () => {
    const { principals } = await seedActors(services.auth);
    assert.equal(isAwfBundleEnabled({ sessionId: 'session-456' }), false);
    await services.rollout.setGlobalFlag(principals.operator, true);
    await services.rollout.setPercent(principals.operator, 26.06); // session-456 is bucket 2605
    await services.rolloutState.refresh();
    assert.equal(isAwfBundleEnabled({ sessionId: 'session-456' }), true);
    assert.equal(isAwfBundleEnabled({ sessionId: 'session-456', userId: 'user-123' }), false); // bucket 4460
  });

  it('getAuditLogger() answers getRecentLogs, getLogsByActor and getFlagChangeLogs from the store', async () => {
    const logger = getAuditLogger();
    assert.deepEqual(
      (await logger.getFlagChangeLogs()).map((entry) => entry.action),
      ['rollout.percent.set', 'rollout.flag.set'],
    );
    assert.ok((await logger.getLogsByActor('ops-1')).every((entry) => entry.actor === 'ops-1'));
    assert.equal((await logger.getRecentLogs(1))[0]?.action, 'rollout.percent.set');
  });
});
