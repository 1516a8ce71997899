import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainRoute, formatExplanation } from './rollout-explain.js';
import type { RolloutEnvironment, RolloutOverride, StoredRolloutState } from './rollout-state.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const NO_ENV: RolloutEnvironment = {
  envGlobalFlag: undefined,
  envPercent: undefined,
  legacyTurnEnabled: false,
  emergencyFallback: false,
};

function stored(partial: Partial<StoredRolloutState>): StoredRolloutState {
  return {
    globalEnabled: true,
    percent: 44.61,
    version: 7,
    updatedAt: '2026-11-27T11:00:00.000Z',
    updatedBy: 'admin',
    overrides: [],
    ...partial,
  };
}

function override(
  partial: Partial<RolloutOverride> & Pick<RolloutOverride, 'kind' | 'subjectId'>,
): RolloutOverride {
  return {
    pipeline: 'legacy',
    expiresAt: null,
    reason: null,
    createdBy: 'admin',
    createdAt: '2026-11-27T10:00:00.000Z',
    ...partial,
  };
}

describe('explainRoute', () => {
  it('gives the bucket, the threshold and the percentage reason (user-123 is bucket 4460)', () => {
    const explained = explainRoute(stored({}), NO_ENV, { userId: 'user-123' }, NOW);
    assert.equal(explained.pipeline, 'awf');
    assert.equal(explained.reason, 'percent_bucket');
    assert.deepEqual(explained.bucket, { key: 'user-123', value: 4460 });
    assert.equal(explained.threshold, 4461);
    assert.equal(explained.inRollout, true);
    assert.equal(explained.version, 7);
  });

  it('at 44.60 % puts user-123 outside the rollout, threshold 4460', () => {
    const explained = explainRoute(stored({ percent: 44.6 }), NO_ENV, { userId: 'user-123' }, NOW);
    assert.deepEqual([explained.pipeline, explained.threshold, explained.inRollout], ['legacy', 4460, false]);
  });

  it('shows an unexpired override with its expiry as the reason, and the bucket it overrules', () => {
    const expiresAt = '2026-11-28T00:00:00.000Z';
    const explained = explainRoute(
      stored({ overrides: [override({ kind: 'user', subjectId: 'user-123', expiresAt, reason: 'QA' })] }),
      NO_ENV,
      { userId: 'user-123' },
      NOW,
    );
    assert.deepEqual([explained.pipeline, explained.reason], ['legacy', 'user_override']);
    assert.equal(explained.overrides.user?.expiresAt, expiresAt);
    assert.equal(explained.overrides.user?.state, 'active');
    assert.equal(explained.inRollout, true);
  });

  it('shows an expired override as expired, and the percentage decides', () => {
    const explained = explainRoute(
      stored({
        overrides: [override({ kind: 'user', subjectId: 'user-123', expiresAt: '2026-11-27T11:59:59.000Z' })],
      }),
      NO_ENV,
      { userId: 'user-123' },
      NOW,
    );
    assert.equal(explained.overrides.user?.state, 'expired');
    assert.deepEqual([explained.pipeline, explained.reason], ['awf', 'percent_bucket']);
    assert.match(
      formatExplanation(explained).join('\n'),
      /EXPIRED 2026-11-27T11:59:59\.000Z \(no longer applies\)/,
    );
  });

  it('a session override wins over the user override; without a session none is consulted', () => {
    const state = stored({
      overrides: [
        override({ kind: 'session', subjectId: 'session-456', pipeline: 'awf' }),
        override({ kind: 'user', subjectId: 'user-123', pipeline: 'legacy' }),
      ],
    });
    const withSession = explainRoute(state, NO_ENV, { userId: 'user-123', sessionId: 'session-456' }, NOW);
    assert.deepEqual([withSession.pipeline, withSession.reason], ['awf', 'session_override']);
    const userOnly = explainRoute(state, NO_ENV, { userId: 'user-123' }, NOW);
    assert.deepEqual([userOnly.pipeline, userOnly.reason], ['legacy', 'user_override']);
    assert.equal(userOnly.overrides.session, null);
  });

  it('buckets an anonymous session on its id (session-456 is bucket 2605)', () => {
    const explained = explainRoute(stored({ percent: 26.06 }), NO_ENV, { sessionId: 'session-456' }, NOW);
    assert.deepEqual(explained.bucket, { key: 'session-456', value: 2605 });
    assert.deepEqual([explained.pipeline, explained.threshold], ['awf', 2606]);
  });

  it('names the switches: EMERGENCY_FALLBACK=true decides above an enable override', () => {
    const explained = explainRoute(
      stored({ overrides: [override({ kind: 'user', subjectId: 'user-123', pipeline: 'awf' })] }),
      { ...NO_ENV, emergencyFallback: true },
      { userId: 'user-123' },
      NOW,
    );
    assert.deepEqual([explained.pipeline, explained.reason], ['legacy', 'emergency_fallback']);
    assert.deepEqual(explained.switches.emergencyFallback, { value: true, source: 'env' });
    const text = formatExplanation(explained);
    assert.match(text[0] as string, /^route of user user-123: legacy \(reason: emergency_fallback/);
    assert.ok(text.includes('→ emergency fallback  on  (source: env)'), text.join('\n'));
    assert.ok(
      text.some((line) => /user override .*\(not reached\)$/.test(line)),
      text.join('\n'),
    );
  });

  it('gives the global flag with its source: AWF_BUNDLE_ON=false overrides the stored on', () => {
    const explained = explainRoute(
      stored({}),
      { ...NO_ENV, envGlobalFlag: false },
      { userId: 'user-123' },
      NOW,
    );
    assert.deepEqual([explained.pipeline, explained.reason], ['legacy', 'global_disabled']);
    assert.deepEqual(
      [explained.globalEnabled.value, explained.globalEnabled.source, explained.globalEnabled.store],
      [false, 'env', true],
    );
    assert.equal(explained.warnings.length, 1);
  });
});
