import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessPlan, type PlanInputsReader, planConfigHash } from './plan-assessment.js';
import type { PlanStage, StoredPlan } from './plan-types.js';

/** The spec's SLO thresholds: p95 turn latency 8 s, invalid-output retries 5 %, fallbacks 1 %. */
const THRESHOLDS = Object.freeze({ turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 });
const STAGES: PlanStage[] = [
  { percent: 'shadow', bakeMs: 3_600_000, minSample: 0, approval: false },
  { percent: 5, bakeMs: 3_600_000, minSample: 300, approval: false },
  { percent: 100, bakeMs: 86_400_000, minSample: 2000, approval: true },
];
/**
 * planConfigHash of STAGES, onFailure rollback, failAfter 3 and THRESHOLDS, computed once with the code
 * from before runGoldens was hashed: decisions recorded then carry this hash.
 */
const HASH_BEFORE_RUN_GOLDENS = '71c5738f09f299199768c42a4f8da2d133a484f64e960eae1852c5bd48097220';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function storedPlan(runGoldens: boolean): StoredPlan {
  const at = new Date(T0).toISOString();
  return {
    id: 'plan-1',
    version: 1,
    state: 'running',
    stages: STAGES,
    onFailure: 'rollback',
    failAfter: 3,
    currentStage: 0,
    stageStartedAt: at,
    startedBy: 'alice',
    startedAt: at,
    approval: null,
    failingStreak: 0,
    stateReason: null,
    lastDecision: null,
    updatedAt: at,
    updatedBy: 'alice',
    endedAt: null,
    runGoldens,
  };
}

/** A reader with no minutes, no alerts, the flag on and no golden run. */
const EMPTY_READER: PlanInputsReader = {
  minutes: async () => [],
  openCriticalAlerts: async () => [],
  switches: async () => ({ globalEnabled: true, emergencyFallback: false, legacyTurnEnabled: false }),
  latestGoldenRun: async () => null,
};

describe('planConfigHash()', () => {
  const config = { stages: STAGES, onFailure: 'rollback' as const, failAfter: 3 };

  it('when runGoldens is on: hashes unlike the same plan with it off', () => {
    assert.notEqual(
      planConfigHash({ ...config, runGoldens: true }, THRESHOLDS),
      planConfigHash({ ...config, runGoldens: false }, THRESHOLDS),
    );
  });

  it('when runGoldens is off or absent: hashes exactly as before runGoldens was hashed', () => {
    assert.equal(planConfigHash({ ...config, runGoldens: false }, THRESHOLDS), HASH_BEFORE_RUN_GOLDENS);
    assert.equal(planConfigHash(config, THRESHOLDS), HASH_BEFORE_RUN_GOLDENS);
  });
});

describe('assessPlan()', () => {
  it("records the plan's config hash with runGoldens in the evidence", async () => {
    const deps = { reader: EMPTY_READER, thresholds: THRESHOLDS, contentHash: 'c1', codeVersion: 'v1' };
    const off = await assessPlan(storedPlan(false), T0 + 60_000, deps);
    const on = await assessPlan(storedPlan(true), T0 + 60_000, deps);
    assert.equal(off.evidence.configHash, HASH_BEFORE_RUN_GOLDENS);
    assert.equal(
      on.evidence.configHash,
      planConfigHash({ stages: STAGES, onFailure: 'rollback', failAfter: 3, runGoldens: true }, THRESHOLDS),
    );
    assert.notEqual(on.evidence.configHash, HASH_BEFORE_RUN_GOLDENS);
  });
});
