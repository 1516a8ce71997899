import type { Kysely } from 'kysely';
import {
  type GoldenRun,
  type GoldenScenarioResult,
  LOCAL_RUN_MODEL,
} from '../../goldens/golden-run-store.js';
import { createKyselyGoldenRunStore } from '../../goldens/kysely-golden-run-store.js';
import type { DatabaseSchema } from '../../store/schema.js';

/** A scenario that passed on its own pipeline (a fractional duration, as the runner measures it). */
export const PASSED_SCENARIO: GoldenScenarioResult = Object.freeze({
  scenario: 'first-meet-kiera',
  pipeline: 'awf',
  status: 'passed',
  turns: 1,
  durationMs: 41.5,
});

/** The diff a verify stored for the failed scenario: the scene went to the hall instead of the gate. */
export const FAILED_SCENARIO_DIFF =
  '--- legacy-walk.golden.json turn 1\n+++ actual turn 1\n@@ -1 +1 @@\n-"scene": "gate"\n+"scene": "hall"\n';

/** A scenario whose output differs from its golden file, with the failure and the diff a verify stores. */
export const FAILED_SCENARIO: GoldenScenarioResult = Object.freeze({
  scenario: 'legacy-walk',
  pipeline: 'legacy',
  status: 'failed',
  turns: 3,
  durationMs: 12,
  failure: 'legacy-walk: output differs from legacy-walk.golden.json',
  diff: FAILED_SCENARIO_DIFF,
});

/** The same scenario as FAILED_SCENARIO, passed. */
export const PASSED_LEGACY_SCENARIO: GoldenScenarioResult = Object.freeze({
  scenario: 'legacy-walk',
  pipeline: 'legacy',
  status: 'passed',
  turns: 3,
  durationMs: 12,
});

/** What a golden run needs said: which run, when, and on which content (and code). */
export type GoldenRunFixture = Pick<GoldenRun, 'runId' | 'contentHash'> & Partial<GoldenRun>;

/**
 * A full local verify run (one sample, not partial) with one scenario passed and one failed
 * (FAILED_SCENARIO, with its diff), started now unless told; `overrides` replace any field.
 */
export function aGoldenRun(overrides: GoldenRunFixture): GoldenRun {
  return {
    mode: 'verify',
    fullRun: true,
    startedAt: new Date().toISOString(),
    harnessVersion: '1',
    models: { awf: LOCAL_RUN_MODEL, legacy: LOCAL_RUN_MODEL },
    samplesRequested: 1,
    partial: false,
    results: [PASSED_SCENARIO, FAILED_SCENARIO],
    ...overrides,
  };
}

/** Stores aGoldenRun(`overrides`) in `golden_runs` through the golden run store, and returns it. */
export async function storeGoldenRun(
  db: Kysely<DatabaseSchema>,
  overrides: GoldenRunFixture,
): Promise<GoldenRun> {
  const run = aGoldenRun(overrides);
  await createKyselyGoldenRunStore(db).saveRun(run);
  return run;
}
