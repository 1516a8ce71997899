import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pipeline } from '../game/game-types.js';
import { BUCKETS, bucketOf, decideRoute, isBucketEnabled, type RolloutSnapshot } from './route-decision.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const off = { emergencyFallback: false, legacyTurnEnabled: false };

function snapshot(
  partial: Partial<{ globalEnabled: boolean; percent: number; session: Pipeline; user: Pipeline }>,
): RolloutSnapshot {
  return {
    globalEnabled: partial.globalEnabled ?? true,
    percent: partial.percent ?? 100,
    sessionOverride: (id) => (id === 's-1' ? partial.session : undefined),
    userOverride: (id) => (id === 'u-1' ? partial.user : undefined),
  };
}

describe('decideRoute', () => {
  const subject = { sessionId: 's-1', userId: 'u-1' };

  it('row 1: EMERGENCY_FALLBACK=true sends everyone to legacy, above every override', () => {
    const decision = decideRoute(
      { ...off, emergencyFallback: true },
      snapshot({ session: 'awf', user: 'awf' }),
      subject,
      NOW,
    );
    assert.deepEqual(decision, { pipeline: 'legacy', reason: 'emergency_fallback' });
  });

  it('row 2: LEGACY_TURN_ENABLED=true forces legacy, above every override', () => {
    const decision = decideRoute(
      { ...off, legacyTurnEnabled: true },
      snapshot({ session: 'awf' }),
      subject,
      NOW,
    );
    assert.deepEqual(decision, { pipeline: 'legacy', reason: 'legacy_forced' });
  });

  it('row 3: a session override decides before a user override and the flag', () => {
    const decision = decideRoute(
      off,
      snapshot({ globalEnabled: false, session: 'awf', user: 'legacy' }),
      subject,
      NOW,
    );
    assert.deepEqual(decision, { pipeline: 'awf', reason: 'session_override' });
  });

  it('row 4: a user override decides before the global flag', () => {
    const decision = decideRoute(off, snapshot({ globalEnabled: false, user: 'awf' }), subject, NOW);
    assert.deepEqual(decision, { pipeline: 'awf', reason: 'user_override' });
  });

  it('row 4: a user override can also disable AWF at 100 %', () => {
    const decision = decideRoute(off, snapshot({ percent: 100, user: 'legacy' }), subject, NOW);
    assert.deepEqual(decision, { pipeline: 'legacy', reason: 'user_override' });
  });

  it('row 5: with the global flag off, legacy', () => {
    assert.deepEqual(decideRoute(off, snapshot({ globalEnabled: false }), subject, NOW), {
      pipeline: 'legacy',
      reason: 'global_disabled',
    });
  });

  it('row 6: bucket below percent × 100 is AWF, otherwise legacy', () => {
    const bucket = bucketOf('u-1');
    const justAbove = (bucket + 1) / 100;
    const atBucket = bucket / 100;
    assert.deepEqual(decideRoute(off, snapshot({ percent: justAbove }), subject, NOW), {
      pipeline: 'awf',
      reason: 'percent_bucket',
      bucket,
    });
    assert.deepEqual(decideRoute(off, snapshot({ percent: atBucket }), subject, NOW), {
      pipeline: 'legacy',
      reason: 'percent_bucket',
      bucket,
    });
  });

  it('buckets by user id when there is one, by session id otherwise', () => {
    assert.equal(
      decideRoute(off, snapshot({ percent: 50 }), { sessionId: 'x', userId: 'u-9' }, NOW).bucket,
      bucketOf('u-9'),
    );
    assert.equal(decideRoute(off, snapshot({ percent: 50 }), { sessionId: 'x' }, NOW).bucket, bucketOf('x'));
  });

  it('fails safe to legacy when the rollout state cannot be read', () => {
    assert.deepEqual(decideRoute(off, undefined, subject, NOW), {
      pipeline: 'legacy',
      reason: 'rollout_state_unavailable',
    });
  });
});

describe('bucketOf', () => {
  it('is murmurhash3_x86_32("awf:" + key, seed 0) mod 10000', () => {
    // Vectors another implementation can match (murmurhash3 x86 32 of the UTF-8 bytes).
    assert.equal(bucketOf('user-123'), 2199294460 % BUCKETS);
    for (const key of ['a', 'session-456', 'ünïcödé']) {
      assert.ok(bucketOf(key) >= 0 && bucketOf(key) < BUCKETS);
    }
  });

  it('0 % enables nobody and 100 % everybody', () => {
    for (let bucket = 0; bucket < BUCKETS; bucket += 97) {
      assert.equal(isBucketEnabled(bucket, 0), false);
      assert.equal(isBucketEnabled(bucket, 100), true);
    }
  });
});
