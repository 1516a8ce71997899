import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { GoldenRun } from '../goldens/golden-run-store.js';
import { LOCAL_RUN_MODEL } from '../goldens/golden-run-store.js';
import { createKyselyGoldenRunStore } from '../goldens/kysely-golden-run-store.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { createGoldenRunsReadModel } from './golden-runs-read-model.js';

const CONTENT = 'c'.repeat(64);
const OTHER_CONTENT = 'd'.repeat(64);

function aRun(runId: string, minute: number, overrides: Partial<GoldenRun> = {}): GoldenRun {
  return {
    runId,
    mode: 'verify',
    fullRun: true,
    startedAt: `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`,
    contentHash: CONTENT,
    harnessVersion: '1',
    codeVersion: '0.1.0+aaaaaaaaaaaa',
    source: 'cli',
    models: { awf: LOCAL_RUN_MODEL, legacy: LOCAL_RUN_MODEL },
    samplesRequested: 1,
    partial: false,
    results: [
      { scenario: 'first-meet-kiera', pipeline: 'awf', status: 'passed', turns: 2, durationMs: 30 },
      { scenario: 'legacy-walk', pipeline: 'legacy', status: 'passed', turns: 3, durationMs: 12 },
    ],
    ...overrides,
  };
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
      const store = createKyselyGoldenRunStore(database.db);
      await store.saveRun(aRun('old-pass', 1));
      await store.saveRun(
        aRun('new-fail', 2, {
          results: [
            { scenario: 'first-meet-kiera', pipeline: 'awf', status: 'passed', turns: 2, durationMs: 30 },
            {
              scenario: 'legacy-walk',
              pipeline: 'legacy',
              status: 'failed',
              turns: 3,
              durationMs: 12,
              failure: 'legacy-walk: output differs',
            },
          ],
        }),
      );
      // None of these counts: other content, a partial run, a sampled subset, a record run.
      await store.saveRun(aRun('other-content', 3, { contentHash: OTHER_CONTENT }));
      await store.saveRun(aRun('stopped-early', 4, { partial: true }));
      await store.saveRun(aRun('one-scenario', 5, { fullRun: false }));
      await store.saveRun(aRun('recorded', 6, { mode: 'record' }));
      await store.saveRun(aRun('other-code', 7, { codeVersion: '0.1.0+bbbbbbbbbbbb' }));

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
      const onCode = await goldens.latestFullVerifyRuns(
        { contentHash: CONTENT, codeVersion: '0.1.0+aaaaaaaaaaaa' },
        1,
      );
      assert.deepEqual(
        onCode.map((run) => ({ ...run })),
        [
          {
            runId: 'new-fail',
            startedAt: '2026-11-30T10:02:00.000Z',
            contentHash: CONTENT,
            codeVersion: '0.1.0+aaaaaaaaaaaa',
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
      const store = createKyselyGoldenRunStore(database.db);
      await store.saveRun(aRun('verify', 1));
      await store.saveRun(aRun('recorded', 2, { mode: 'record' }));
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
