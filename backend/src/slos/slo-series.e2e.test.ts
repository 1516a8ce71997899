import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { type TestSloServices, testSloServices } from './testing/slo-test-services.js';

// 12:00:00 UTC: the 1 h window's last step is this minute.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;

for (const target of testDatabaseTargets()) {
  describe(`SloService.series() over ${target.name}`, () => {
    let database: TestDatabase;
    let sloServices: TestSloServices;
    let at = T0;

    before(async () => {
      database = await target.open();
      sloServices = testSloServices(database, () => at);
    });
    afterEach(async () => {
      await sloServices.reset();
    });
    after(async () => {
      await database.close();
    });

    /** A service (as instance-a) on the clock `at`, set back to T0. */
    const serviceAt = () => {
      at = T0;
      return sloServices.open();
    };

    it('stores tokens in/out and bundle bytes per minute and pipeline, adding later flushes of the same minute', async () => {
      const slos = serviceAt();
      const turn = { latencyMs: 200, retried: false, fallback: false };
      slos.recordTurn({ pipeline: 'awf', ...turn, tokens: { in: 1000, out: 100 }, bundleBytes: 6000 });
      await slos.flush();
      slos.recordTurn({ pipeline: 'awf', ...turn, tokens: { in: 1200, out: 140 }, bundleBytes: 7000 });
      slos.recordTurn({ pipeline: 'legacy', ...turn, tokens: { in: 300, out: 50 }, bundleBytes: 0 });
      await slos.flush();
      const rows = await database.db
        .selectFrom('slo_minutes')
        .select(['pipeline', 'turns', 'tokens_in', 'tokens_out', 'bundle_bytes'])
        .orderBy('pipeline')
        .execute();
      assert.deepEqual(
        rows.map((row) =>
          [row.pipeline, row.turns, row.tokens_in, row.tokens_out, row.bundle_bytes].map(String),
        ),
        [
          ['awf', '2', '2200', '240', '13000'],
          ['legacy', '1', '300', '50', '0'],
        ],
      );
    });

    it('over 1 h: one step per minute, per-turn averages and rates per pipeline, null where a minute had no turn', async () => {
      const slos = serviceAt();
      at = T0 - 10 * MINUTE;
      for (let i = 0; i < 4; i++) {
        slos.recordTurn({
          pipeline: 'awf',
          latencyMs: 100 * (i + 1),
          retried: i === 0,
          fallback: i === 1,
          fallbackReason: i === 1 ? 'invalid_output' : undefined,
          tokens: { in: 1000, out: 200 },
          bundleBytes: 5000 + i * 1000,
        });
      }
      slos.recordTurn({
        pipeline: 'legacy',
        latencyMs: 50,
        retried: false,
        fallback: false,
        tokens: { in: 400, out: 80 },
      });
      at = T0;
      const series = await slos.series('1h');
      assert.equal(series.stepMinutes, 1);
      assert.equal(series.times.length, 60);
      assert.equal(series.times.at(-1), T0 / 1000);
      const index = series.times.indexOf((T0 - 10 * MINUTE) / 1000);
      const awf = series.pipelines.awf;
      assert.equal(awf.turns[index], 4);
      assert.equal(awf.avgBundleBytes[index], 6500); // (5000 + 6000 + 7000 + 8000) / 4
      assert.equal(awf.avgTokensIn[index], 1000);
      assert.equal(awf.avgTokensOut[index], 200);
      assert.equal(awf.retryRatePct[index], 25);
      assert.equal(awf.fallbackRatePct[index], 25);
      assert.ok(
        Math.abs((awf.latencyP95Ms[index] as number) - 400) <= 400 * 0.01,
        `p95 ${awf.latencyP95Ms[index]}`,
      );
      assert.equal(series.pipelines.legacy.avgTokensIn[index], 400);
      assert.equal(awf.turns[index - 1], 0);
      assert.equal(awf.latencyP95Ms[index - 1], null);
      assert.equal(awf.avgBundleBytes[index - 1], null);
      assert.deepEqual(series.thresholds, { latencyP95Ms: 8000, retryRatePct: 5, fallbackRatePct: 1 });
    });

    it('over 24 h and 7 d: steps of 5 and 60 minutes that sum the minutes inside them', async () => {
      const slos = serviceAt();
      for (const minutesAgo of [0, 1, 2, 3, 4]) {
        at = T0 - minutesAgo * MINUTE;
        slos.recordTurn({
          pipeline: 'awf',
          latencyMs: 100,
          retried: false,
          fallback: false,
          bundleBytes: 1000,
        });
      }
      at = T0 + 4 * MINUTE;
      const day = await slos.series('24h');
      assert.equal(day.stepMinutes, 5);
      assert.equal(day.times.length, 288);
      const week = await slos.series('7d');
      assert.equal(week.stepMinutes, 60);
      assert.equal(week.times.length, 168);
      const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
      assert.equal(total(day.pipelines.awf.turns), 5);
      assert.equal(total(week.pipelines.awf.turns), 5);
      // 11:56–11:59 fall in the step starting 11:55, 12:00 in the step starting 12:00.
      assert.equal(day.pipelines.awf.turns.at(-1), 1);
      assert.equal(day.pipelines.awf.turns.at(-2), 4);
    });
  });
}
