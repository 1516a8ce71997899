import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/seeded-random.js';
import {
  assertPercent,
  BUCKETS,
  bucketOf,
  buildRolloutSnapshot,
  isBucketEnabled,
  parsePercent,
  type RolloutEnvironment,
  type RolloutOverride,
  resolveEffectiveRollout,
  type StoredRolloutState,
} from './canary-rollout.js';
import { decideRoute } from './route-decision.js';

/**
 * The published vectors (docs/rollout-audit-auth.md): murmurhash3_x86_32("awf:" + key, 0) and its
 * bucket, checked against an independent implementation. Another language must reproduce them.
 */
const BUCKET_VECTORS: ReadonlyArray<readonly [key: string, hash: number, bucket: number]> = [
  ['user-123', 2199294460, 4460],
  ['user-1', 1751658064, 8064],
  ['user-2', 3459449920, 9920],
  ['session-456', 2802822605, 2605],
  ['alice', 2382765540, 5540],
  ['bob', 485665115, 5115],
  ['anon-3f2b', 3594822527, 2527],
  ['0', 117612978, 2978],
  ['ünïcødé', 3669752960, 2960],
  ['', 3694195855, 5855],
];

const noEnv: RolloutEnvironment = {
  envGlobalFlag: undefined,
  envPercent: undefined,
  legacyTurnEnabled: false,
  emergencyFallback: false,
};

function aState(overrides: Partial<StoredRolloutState> = {}): StoredRolloutState {
  return {
    globalEnabled: true,
    percent: 0,
    version: 1,
    updatedAt: null,
    updatedBy: null,
    overrides: [],
    ...overrides,
  };
}

function anOverride(overrides: Partial<RolloutOverride>): RolloutOverride {
  return {
    kind: 'user',
    subjectId: 'user-123',
    pipeline: 'awf',
    expiresAt: null,
    reason: null,
    createdBy: 'admin',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const switches = { emergencyFallback: false, legacyTurnEnabled: false };

describe('bucketOf', () => {
  for (const [key, hash, bucket] of BUCKET_VECTORS) {
    it(`puts ${JSON.stringify(key)} (hash ${hash}) in bucket ${bucket}`, () => {
      assert.equal(bucketOf(key), bucket);
      assert.equal(hash % BUCKETS, bucket);
    });
  }

  it('keys on userId when there is one, else on sessionId', () => {
    const snapshot = buildRolloutSnapshot(aState({ percent: 44.61 }), noEnv);
    // user-123 is bucket 4460: inside 44.61 %, at 44.60 % just outside.
    assert.deepEqual(decideRoute(switches, snapshot, { sessionId: 's-x', userId: 'user-123' }, 0), {
      pipeline: 'awf',
      reason: 'percent_bucket',
      bucket: 4460,
    });
    const below = buildRolloutSnapshot(aState({ percent: 44.6 }), noEnv);
    assert.equal(
      decideRoute(switches, below, { sessionId: 's-x', userId: 'user-123' }, 0).pipeline,
      'legacy',
    );
    assert.equal(decideRoute(switches, snapshot, { sessionId: 'session-456' }, 0).bucket, 2605);
  });
});

describe('isBucketEnabled', () => {
  it('never disables anyone when the percent rises (property, 20 000 random ids and percent pairs)', () => {
    const random = seededRandom(20260101);
    for (let i = 0; i < 20_000; i++) {
      const bucket = bucketOf(`prop-${random.int(1_000_000_000)}`);
      const low = random.int(10_001) / 100;
      const high = low + random.int(10_001 - Math.round(low * 100)) / 100;
      if (isBucketEnabled(bucket, low)) {
        assert.ok(isBucketEnabled(bucket, high), `bucket ${bucket} on at ${low} % but off at ${high} %`);
      }
    }
  });

  it('enables nobody at 0 % and everybody at 100 %', () => {
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      assert.equal(isBucketEnabled(bucket, 0), false);
      assert.equal(isBucketEnabled(bucket, 100), true);
    }
  });

  describe('uniformity over 100 000 ids (chi-square, p = 0.001)', () => {
    const ids = 100_000;
    const buckets = Array.from({ length: ids }, (_, i) => bucketOf(`user-${i}`));
    for (const percent of [5, 25, 50]) {
      it(`routes ${percent} % of ids to AWF within the chi-square bound (1 degree of freedom)`, () => {
        const awf = buckets.filter((bucket) => isBucketEnabled(bucket, percent)).length;
        const expectedAwf = (ids * percent) / 100;
        const expectedLegacy = ids - expectedAwf;
        const chi2 =
          (awf - expectedAwf) ** 2 / expectedAwf + (ids - awf - expectedLegacy) ** 2 / expectedLegacy;
        assert.ok(chi2 < 10.828, `chi² = ${chi2.toFixed(2)} (awf ${awf} of ${ids})`);
      });
    }
    it('spreads ids evenly over 100 bucket ranges (chi-square, 99 degrees of freedom)', () => {
      const counts = new Array<number>(100).fill(0);
      for (const bucket of buckets)
        counts[Math.floor(bucket / 100)] = (counts[Math.floor(bucket / 100)] ?? 0) + 1;
      const expected = ids / 100;
      const chi2 = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
      assert.ok(chi2 < 148.23, `chi² = ${chi2.toFixed(2)}`);
    });
  });
});

describe('buildRolloutSnapshot + decideRoute', () => {
  const subject = { sessionId: 'session-456', userId: 'user-123' };
  const now = Date.parse('2026-06-01T12:00:00.000Z');

  it('applies a session override before a user override', () => {
    const snapshot = buildRolloutSnapshot(
      aState({
        overrides: [
          anOverride({ kind: 'user', subjectId: 'user-123', pipeline: 'awf' }),
          anOverride({ kind: 'session', subjectId: 'session-456', pipeline: 'legacy' }),
        ],
      }),
      noEnv,
    );
    assert.deepEqual(decideRoute(switches, snapshot, subject, now), {
      pipeline: 'legacy',
      reason: 'session_override',
    });
  });

  it('applies a user override before the global flag and the percentage', () => {
    const snapshot = buildRolloutSnapshot(
      aState({ globalEnabled: false, overrides: [anOverride({ pipeline: 'awf' })] }),
      noEnv,
    );
    assert.deepEqual(decideRoute(switches, snapshot, subject, now), {
      pipeline: 'awf',
      reason: 'user_override',
    });
    const disabled = buildRolloutSnapshot(
      aState({ percent: 100, overrides: [anOverride({ pipeline: 'legacy' })] }),
      noEnv,
    );
    assert.deepEqual(decideRoute(switches, disabled, subject, now), {
      pipeline: 'legacy',
      reason: 'user_override',
    });
  });

  it('lets EMERGENCY_FALLBACK and LEGACY_TURN_ENABLED win over overrides', () => {
    const snapshot = buildRolloutSnapshot(aState({ overrides: [anOverride({ pipeline: 'awf' })] }), noEnv);
    assert.equal(
      decideRoute({ emergencyFallback: true, legacyTurnEnabled: false }, snapshot, subject, now).reason,
      'emergency_fallback',
    );
    assert.equal(
      decideRoute({ emergencyFallback: false, legacyTurnEnabled: true }, snapshot, subject, now).reason,
      'legacy_forced',
    );
  });

  it('ignores an override from its expiry instant on', () => {
    const expiresAt = '2026-06-01T12:00:00.000Z';
    const snapshot = buildRolloutSnapshot(
      aState({ globalEnabled: false, overrides: [anOverride({ pipeline: 'awf', expiresAt })] }),
      noEnv,
    );
    const at = Date.parse(expiresAt);
    assert.equal(decideRoute(switches, snapshot, subject, at - 1).reason, 'user_override');
    assert.deepEqual(decideRoute(switches, snapshot, subject, at), {
      pipeline: 'legacy',
      reason: 'global_disabled',
    });
  });

  it('falls through an expired session override to an unexpired user override', () => {
    const snapshot = buildRolloutSnapshot(
      aState({
        overrides: [
          anOverride({
            kind: 'session',
            subjectId: 'session-456',
            pipeline: 'legacy',
            expiresAt: '2026-01-01T00:00:00Z',
          }),
          anOverride({ kind: 'user', subjectId: 'user-123', pipeline: 'awf' }),
        ],
      }),
      noEnv,
    );
    assert.equal(decideRoute(switches, snapshot, subject, now).reason, 'user_override');
  });

  it('fails safe to legacy without a snapshot', () => {
    assert.deepEqual(decideRoute(switches, undefined, subject, now), {
      pipeline: 'legacy',
      reason: 'rollout_state_unavailable',
    });
  });
});

describe('resolveEffectiveRollout', () => {
  const stored = (globalEnabled: boolean | null, percent: number | null) =>
    aState({ globalEnabled, percent, version: 3 });

  it('defaults to flag off and 0 % when nothing is set anywhere', () => {
    const effective = resolveEffectiveRollout(stored(null, null), noEnv);
    assert.deepEqual(effective.globalEnabled, { value: false, source: 'default', env: null, store: null });
    assert.deepEqual(effective.percent, { value: 0, source: 'default', env: null, store: null });
    assert.deepEqual(effective.warnings, []);
  });

  it('makes AWF_BUNDLE_ON authoritative and warns when the store disagrees', () => {
    const effective = resolveEffectiveRollout(stored(true, 25), { ...noEnv, envGlobalFlag: false });
    assert.deepEqual(effective.globalEnabled, { value: false, source: 'env', env: false, store: true });
    assert.match(
      effective.warnings.join('\n'),
      /AWF_BUNDLE_ON=false .* overrides the stored global flag \(on\)/,
    );
  });

  it('uses the stored flag when AWF_BUNDLE_ON is unset', () => {
    assert.deepEqual(resolveEffectiveRollout(stored(true, null), noEnv).globalEnabled, {
      value: true,
      source: 'store',
      env: null,
      store: true,
    });
  });

  it('seeds the percent from AWF_PERCENT_ROLLOUT only while none is stored', () => {
    const seeded = resolveEffectiveRollout(stored(null, null), { ...noEnv, envPercent: 5 });
    assert.deepEqual(seeded.percent, { value: 5, source: 'env', env: 5, store: null });
    assert.deepEqual(seeded.warnings, []);
    const storedWins = resolveEffectiveRollout(stored(null, 25), { ...noEnv, envPercent: 5 });
    assert.deepEqual(storedWins.percent, { value: 25, source: 'store', env: 5, store: 25 });
    assert.match(
      storedWins.warnings.join('\n'),
      /AWF_PERCENT_ROLLOUT=5 is ignored: the stored percentage \(25\)/,
    );
  });

  it('warns when EMERGENCY_FALLBACK or LEGACY_TURN_ENABLED sends everything to legacy', () => {
    const effective = resolveEffectiveRollout(stored(true, 100), { ...noEnv, emergencyFallback: true });
    assert.deepEqual(effective.emergencyFallback, { value: true, source: 'env' });
    assert.match(effective.warnings.join('\n'), /EMERGENCY_FALLBACK=true/);
  });

  it('gives the router the effective values', () => {
    const snapshot = buildRolloutSnapshot(stored(false, 25), {
      ...noEnv,
      envGlobalFlag: true,
      envPercent: 5,
    });
    assert.equal(snapshot.globalEnabled, true);
    assert.equal(snapshot.percent, 25);
  });
});

describe('parsePercent', () => {
  for (const [text, value] of [
    ['0', 0],
    ['25', 25],
    ['12.5', 12.5],
    ['0.01', 0.01],
    ['100', 100],
    ['100.00', 100],
  ] as const) {
    it(`reads ${JSON.stringify(text)} as ${value}`, () => assert.equal(parsePercent(text), value));
  }
  for (const text of ['150', '-1', 'abc', '', '1e2', '12.555', ' 5', '100.01', '0x10', 'NaN']) {
    it(`rejects ${JSON.stringify(text)} with ROLLOUT_INVALID_PERCENT`, () => {
      assert.throws(() => parsePercent(text), { code: 'ROLLOUT_INVALID_PERCENT' });
    });
  }
  it('applies the same rule to numbers from JSON', () => {
    assert.equal(assertPercent(33.33), 33.33);
    assert.equal(assertPercent(0.29), 0.29);
    for (const bad of [-0.5, 100.5, 1.234, Number.NaN, Number.POSITIVE_INFINITY, 25.000000001, 1e-7, 0.005]) {
      assert.throws(() => assertPercent(bad), { code: 'ROLLOUT_INVALID_PERCENT' });
    }
  });
});
