import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRolloutSnapshot } from './canary-rollout.js';
import { createRouter } from './route-decision.js';

const env = {
  envGlobalFlag: undefined,
  envPercent: undefined,
  legacyTurnEnabled: false,
  emergencyFallback: false,
};
const switches = { emergencyFallback: false, legacyTurnEnabled: false };

function routerCountingClockReads(overrides: Parameters<typeof buildRolloutSnapshot>[0]['overrides']) {
  const snapshot = buildRolloutSnapshot(
    { globalEnabled: true, percent: 25, version: 1, updatedAt: null, updatedBy: null, overrides },
    env,
  );
  let reads = 0;
  const router = createRouter({
    switches,
    snapshot: () => snapshot,
    now: () => {
      reads += 1;
      return Date.parse('2026-06-01T00:00:00Z');
    },
  });
  return { router, reads: () => reads };
}

describe('Router.decide() and the clock', () => {
  it('reads no clock for a player without an override (a ms timestamp would be an allocation per decision)', () => {
    const { router, reads } = routerCountingClockReads([]);
    for (let i = 0; i < 100; i++) router.decide({ sessionId: `s-${i}`, userId: `u-${i}` });
    assert.equal(reads(), 0);
  });

  it('reads it once to judge an override’s expiry, and honours the expiry', () => {
    const { router, reads } = routerCountingClockReads([
      {
        kind: 'user',
        subjectId: 'u-1',
        pipeline: 'awf',
        expiresAt: '2026-05-01T00:00:00Z',
        reason: null,
        createdAt: '2026-04-01T00:00:00Z',
        createdBy: 'admin',
      } as never,
    ]);
    const expired = router.decide({ sessionId: 's-1', userId: 'u-1' });
    assert.equal(expired.reason, 'percent_bucket');
    assert.equal(reads(), 1);
    assert.equal(router.decide({ sessionId: 's-2', userId: 'u-2' }).reason, 'percent_bucket');
    assert.equal(reads(), 1, 'no override for u-2, so no read');
  });
});
