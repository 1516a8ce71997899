import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  aGoldenRun,
  FAILED_SCENARIO,
  PASSED_LEGACY_SCENARIO,
  PASSED_SCENARIO,
} from '../golden-runs/testing/golden-run-fixtures.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { type GoldenRun, type GoldenRunStore, LOCAL_RUN_MODEL } from './golden-run-store.js';
import { readGoldenStatus } from './golden-status.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';

const HASH = 'a'.repeat(64);

/** A full local verify run on HASH, every scenario passed unless `overrides` say. */
function aRun(overrides: Partial<GoldenRun> = {}): GoldenRun {
  return aGoldenRun({
    runId: randomUUID(),
    startedAt: '2025-03-01T10:00:00.000Z',
    contentHash: HASH,
    results: [PASSED_SCENARIO, PASSED_LEGACY_SCENARIO],
    ...overrides,
  });
}

const failedResults: GoldenRun['results'] = [PASSED_SCENARIO, FAILED_SCENARIO];

for (const target of testDatabaseTargets()) {
  describe(`GoldenRunStore (${target.name})`, () => {
    let database: TestDatabase;

    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database?.close();
    });

    /** Each test gets a clean table: the store has no delete, so clear it behind its back. */
    async function freshStore(): Promise<GoldenRunStore> {
      await database.db.deleteFrom('golden_runs').execute();
      return createKyselyGoldenRunStore(database.db);
    }

    describe('.saveRun() / .listRuns()', () => {
      it('returns a stored run exactly as it went in, results in scenario order', async () => {
        const store = await freshStore();
        const run = aRun({ results: [...failedResults].reverse() });
        await store.saveRun(run);
        assert.deepEqual(await store.listRuns(), [{ ...run, results: failedResults }]);
      });

      it('lists runs newest first, with limit, mode and full-run filters', async () => {
        const store = await freshStore();
        const oldest = aRun({ startedAt: '2025-03-01T10:00:00.000Z' });
        const record = aRun({ startedAt: '2025-03-02T10:00:00.000Z', mode: 'record' });
        const partial = aRun({ startedAt: '2025-03-03T10:00:00.000Z', fullRun: false });
        const newest = aRun({ startedAt: '2025-03-04T10:00:00.000Z', mode: 'test' });
        for (const run of [partial, oldest, newest, record]) await store.saveRun(run);

        const ids = (runs: GoldenRun[]) => runs.map((run) => run.runId);
        assert.deepEqual(ids(await store.listRuns()), ids([newest, partial, record, oldest]));
        assert.deepEqual(ids(await store.listRuns({ limit: 2 })), ids([newest, partial]));
        assert.deepEqual(ids(await store.listRuns({ mode: 'verify' })), ids([partial, oldest]));
        assert.deepEqual(ids(await store.listRuns({ mode: 'verify', fullRunOnly: true })), ids([oldest]));
      });

      it('stores nothing for a run without results', async () => {
        const store = await freshStore();
        await store.saveRun(aRun({ results: [] }));
        assert.deepEqual(await store.listRuns(), []);
      });

      it('stores a sampled run with its models, samples, thresholds, tokens and partial mark', async () => {
        const store = await freshStore();
        const run = aRun({
          mode: 'test',
          models: {
            awf: { provider: 'openai', name: 'gpt-4o-mini' },
            legacy: { provider: 'openai', name: 'llama3.1:8b' },
          },
          samplesRequested: 5,
          partial: true,
          results: [
            {
              scenario: 'first-meet-kiera',
              pipeline: 'awf',
              status: 'failed',
              turns: 1,
              durationMs: 812.5,
              failure: 'first-meet-kiera: pass rate 3/4 = 75 % is below 90 %',
              sampling: { samples: 4, passes: 3, passRateThreshold: 0.9, tokensIn: 12_000, tokensOut: 1_500 },
            },
          ],
        });
        await store.saveRun(run);
        assert.deepEqual(await store.listRuns(), [run]);
      });

      it('tells local regression runs from real-model acceptance runs by provider', async () => {
        const store = await freshStore();
        const local = aRun({ startedAt: '2025-03-01T10:00:00.000Z' });
        const real = aRun({
          startedAt: '2025-03-02T10:00:00.000Z',
          mode: 'test',
          models: { awf: { provider: 'openai', name: 'gpt-4o-mini' }, legacy: LOCAL_RUN_MODEL },
          samplesRequested: 5,
        });
        await store.saveRun(local);
        await store.saveRun(real);
        const ids = (runs: GoldenRun[]) => runs.map((candidate) => candidate.runId);
        assert.deepEqual(ids(await store.listRuns({ provider: 'openai' })), [real.runId]);
        assert.deepEqual(ids(await store.listRuns({ provider: 'local' })), [local.runId]);
      });

      it('reads a row written without the provider columns (before migration 011) as a local one-sample run', async () => {
        const store = await freshStore();
        await database.db
          .insertInto('golden_runs')
          .values({
            run_id: 'old-run',
            scenario: 'first-meet-kiera',
            pipeline: 'awf',
            mode: 'verify',
            status: 'passed',
            turns: 1,
            duration_ms: 40,
            failure: null,
            full_run: 1,
            content_hash: HASH,
            harness_version: '1',
            started_at: '2025-03-01T10:00:00.000Z',
          })
          .execute();
        const [run] = await store.listRuns();
        assert.deepEqual(run?.models, { awf: LOCAL_RUN_MODEL, legacy: LOCAL_RUN_MODEL });
        assert.equal(run?.samplesRequested, 1);
        assert.equal(run?.partial, false);
        assert.equal(run?.results[0]?.sampling, undefined);
      });

      it('rejects the same run id twice and keeps the first', async () => {
        const store = await freshStore();
        const run = aRun();
        await store.saveRun(run);
        await assert.rejects(store.saveRun({ ...run, results: failedResults }));
        assert.deepEqual(await store.listRuns(), [run]);
      });
    });

    describe('readGoldenStatus()', () => {
      it('is not passing before any full verify run', async () => {
        const store = await freshStore();
        await store.saveRun(aRun({ mode: 'record' }));
        await store.saveRun(aRun({ fullRun: false }));
        const status = await readGoldenStatus(store);
        assert.equal(status.passing, false);
        assert.equal(status.reason, 'no full golden verify run has been stored');
      });

      it('is passing when the latest full verify run passed every scenario', async () => {
        const store = await freshStore();
        const run = aRun();
        await store.saveRun(run);
        const status = await readGoldenStatus(store, { contentHash: HASH });
        assert.equal(status.passing, true);
        assert.equal(status.run?.runId, run.runId);
        assert.match(status.reason, /all 2 scenario\(s\) passed$/);
      });

      it('is not passing when the latest full verify run failed, naming the failures', async () => {
        const store = await freshStore();
        await store.saveRun(aRun({ startedAt: '2025-03-01T10:00:00.000Z' }));
        await store.saveRun(aRun({ startedAt: '2025-03-02T10:00:00.000Z', results: failedResults }));
        const status = await readGoldenStatus(store);
        assert.equal(status.passing, false);
        assert.deepEqual(status.failing, ['legacy-walk (legacy)']);
        assert.match(status.reason, /1 of 2 scenario\(s\) failed: legacy-walk \(legacy\)$/);
      });

      it('ignores later partial, record and test runs', async () => {
        const store = await freshStore();
        await store.saveRun(aRun({ startedAt: '2025-03-01T10:00:00.000Z', results: failedResults }));
        await store.saveRun(aRun({ startedAt: '2025-03-02T10:00:00.000Z', fullRun: false }));
        await store.saveRun(aRun({ startedAt: '2025-03-03T10:00:00.000Z', mode: 'record' }));
        await store.saveRun(aRun({ startedAt: '2025-03-04T10:00:00.000Z', mode: 'test' }));
        assert.equal((await readGoldenStatus(store)).passing, false);
      });

      it('does not count a run against other content, or one older than maxAgeMs', async () => {
        const store = await freshStore();
        await store.saveRun(aRun({ startedAt: '2025-03-01T10:00:00.000Z' }));
        const otherContent = await readGoldenStatus(store, { contentHash: 'b'.repeat(64) });
        assert.equal(otherContent.passing, false);
        assert.match(otherContent.reason, /ran against other content/);
        const stale = await readGoldenStatus(store, {
          maxAgeMs: 7 * 24 * 3_600_000,
          now: new Date('2025-03-09T10:00:00.000Z'),
        });
        assert.equal(stale.passing, false);
        assert.match(stale.reason, /is older than 168 h$/);
        const fresh = await readGoldenStatus(store, {
          maxAgeMs: 7 * 24 * 3_600_000,
          now: new Date('2025-03-07T10:00:00.000Z'),
        });
        assert.equal(fresh.passing, true);
      });
    });
  });
}
