import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEnvironmentRouter, type RouteReason } from '../route-decision.js';
import { FlagNotFoundError, InvalidContextError, TargetingKeyMissingError } from './ofrep-errors.js';
import { createFlagEvaluator, evaluationReasonOf, subjectOfContext } from './ofrep-evaluation.js';
import { createTokenBuckets } from './token-bucket.js';

describe('evaluationReasonOf', () => {
  const table: Array<[RouteReason, string]> = [
    ['emergency_fallback', 'STATIC'],
    ['legacy_forced', 'STATIC'],
    ['session_override', 'TARGETING_MATCH'],
    ['user_override', 'TARGETING_MATCH'],
    ['global_disabled', 'DISABLED'],
    ['percent_bucket', 'SPLIT'],
    ['rollout_state_unavailable', 'DEFAULT'],
  ];
  for (const [routeReason, reason] of table) {
    it(`maps ${routeReason} to ${reason}`, () => assert.equal(evaluationReasonOf(routeReason), reason));
  }
});

describe('subjectOfContext', () => {
  it('takes targetingKey as the user id, and as the session too when no sessionId is given', () => {
    assert.deepEqual(subjectOfContext({ targetingKey: 'user-123' }), {
      sessionId: 'user-123',
      userId: 'user-123',
    });
  });

  it('keeps the sessionId so session overrides apply', () => {
    assert.deepEqual(subjectOfContext({ targetingKey: 'user-123', sessionId: 's-1' }), {
      sessionId: 's-1',
      userId: 'user-123',
    });
  });

  it('knows a player without an account by the session, as a session started without userId', () => {
    assert.deepEqual(subjectOfContext({ sessionId: 's-1' }), { sessionId: 's-1', userId: 's-1' });
  });

  it('accepts userId without targetingKey, and ignores other attributes', () => {
    assert.deepEqual(subjectOfContext({ userId: 'u-1', plan: 'gold' }), { sessionId: 'u-1', userId: 'u-1' });
  });

  it('refuses a targetingKey that is not the userId, a non-string id and a non-object context', () => {
    assert.throws(() => subjectOfContext({ targetingKey: 'a', userId: 'b' }), InvalidContextError);
    assert.throws(() => subjectOfContext({ targetingKey: 7 }), InvalidContextError);
    assert.throws(() => subjectOfContext(['user-123']), InvalidContextError);
  });

  it('asks for a targeting key when the context names no player', () => {
    assert.throws(() => subjectOfContext({}), TargetingKeyMissingError);
    assert.throws(() => subjectOfContext(undefined), TargetingKeyMissingError);
    assert.throws(() => subjectOfContext({ targetingKey: '' }), TargetingKeyMissingError);
  });
});

describe('createFlagEvaluator().evaluate', () => {
  const router = createEnvironmentRouter({
    emergencyFallback: false,
    legacyTurnEnabled: false,
    envGlobalFlag: true,
    envPercent: 26.06,
  });
  const counted: string[] = [];
  const evaluator = createFlagEvaluator({
    router,
    snapshot: () => ({
      globalEnabled: true,
      percent: 26.06,
      sessionOverride: () => undefined,
      userOverride: () => undefined,
    }),
    recorder: { record: (flagKey, variant) => counted.push(`${flagKey}:${variant}`) },
  });

  it("answers awf-bundle with the router's decision, its bucket and percent, and counts it", () => {
    assert.deepEqual(evaluator.evaluate('awf-bundle', { targetingKey: 'session-456' }), {
      key: 'awf-bundle',
      value: true,
      reason: 'SPLIT',
      variant: 'awf',
      metadata: { bucket: 2605, percent: 26.06, routeReason: 'percent_bucket' },
    });
    assert.deepEqual(counted, ['awf-bundle:awf']);
  });

  it('refuses any other flag key', () => {
    assert.throws(() => evaluator.evaluate('inventory', { targetingKey: 'u' }), FlagNotFoundError);
  });
});

describe('createTokenBuckets().take', () => {
  it('allows a second of evaluations at once, then one per 1/rate seconds, per key', () => {
    let now = 0;
    const buckets = createTokenBuckets(2, () => now);
    assert.deepEqual([buckets.take('a'), buckets.take('a')], [{ allowed: true }, { allowed: true }]);
    assert.deepEqual(buckets.take('a'), { allowed: false, retryAfterSec: 1 });
    assert.deepEqual(buckets.take('b'), { allowed: true });
    now += 500;
    assert.deepEqual(buckets.take('a'), { allowed: true });
    assert.deepEqual(buckets.take('a'), { allowed: false, retryAfterSec: 1 });
  });
});
