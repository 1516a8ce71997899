import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { GoldenRun } from '../goldens/golden-run-store.js';
import type { DatabaseSchema } from '../store/schema.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { createGoldenRunsReadModel } from './golden-runs-read-model.js';
import {
  FAILED_SCENARIO,
  PASSED_LEGACY_SCENARIO,
  PASSED_SCENARIO,
  storeGoldenRun,
} from './testing/golden-run-fixtures.js';

const CONTENT = 'c'.repeat(64);
const OTHER_CONTENT = 'd'.repeat(64);

const CODE = '0.1.0+aaaaaaaaaaaa';

/** Stores a full verify run started at 10:`minute` on CONTENT and CODE by the CLI, every scenario passed unless `overrides` say. */
function storeRun(
  db: Kysely<DatabaseSchema>,
  runId: string,
  minute: number,
  overrides: Partial<GoldenRun> = {},
) {
  return storeGoldenRun(db, {
    runId,
    startedAt: `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`,
    contentHash: CONTENT,
    codeVersion: CODE,
    source: 'cli',
    results: [PASSED_SCENARIO, PASSED_LEGACY_SCENARIO],
    ...overrides,
  });
}

for (const target of testDatabaseTargets()) {
  describe(`the golden runs read model (${target.name})`, () => {
    let database: TestDatabase;

    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database?.close();
    });
    beforeEach(async () => {
      await database.db.deleteFrom('golden_runs').execute();
    });

    it('.latestFullVerifyRuns() gives full, complete verify runs on the content (and code, when asked), newest first, naming each failing scenario', async () => {
      await storeRun(database.db, 'old-pass', 1);
      await storeRun(database.db, 'new-fail', 2, { results: [PASSED_SCENARIO, FAILED_SCENARIO] });
      // None of these counts: other content, a partial run, a sampled subset, a record run.
      await storeRun(database.db, 'other-content', 3, { contentHash: OTHER_CONTENT });
      await storeRun(database.db, 'stopped-early', 4, { partial: true });
      await storeRun(database.db, 'one-scenario', 5, { fullRun: false });
      await storeRun(database.db, 'recorded', 6, { mode: 'record' });
      await storeRun(database.db, 'other-code', 7, { codeVersion: '0.1.0+bbbbbbbbbbbb' });

      const goldens = createGoldenRunsReadModel(database.db);
      const onContent = await goldens.latestFullVerifyRuns({ contentHash: CONTENT }, 5);
      assert.deepEqual(
        onContent.map((run) => [run.runId, run.failing]),
        [
          ['other-code', []],
          ['new-fail', ['legacy-walk (legacy)']],
          ['old-pass', []],
        ],
      );
      const onCode = await goldens.latestFullVerifyRuns({ contentHash: CONTENT, codeVersion: CODE }, 1);
      assert.deepEqual(
        onCode.map((run) => ({ ...run })),
        [
          {
            runId: 'new-fail',
            startedAt: '2026-11-30T10:02:00.000Z',
            contentHash: CONTENT,
            codeVersion: CODE,
            harnessVersion: '1',
            source: 'cli',
            provider: 'local',
            scenarios: 2,
            failing: ['legacy-walk (legacy)'],
          },
        ],
      );
      assert.deepEqual(
        (await goldens.latestFullVerifyRuns({}, 1)).map((run) => run.runId),
        ['other-code'],
      );
    });

    it('.latestRuns() gives runs of every kind, newest first, each scenario with its failure', async () => {
      await storeRun(database.db, 'verify', 1);
      await storeRun(database.db, 'recorded', 2, { mode: 'record' });
      const runs = await createGoldenRunsReadModel(database.db).latestRuns(5);
      assert.deepEqual(
        runs.map((run) => [run.runId, run.mode, run.passed, run.failed, run.results.length]),
        [
          ['recorded', 'record', 2, 0, 2],
          ['verify', 'verify', 2, 0, 2],
        ],
      );
    });
  });
}
