import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CreateServicesOptions, createServices, type Services } from '../../app/create-services.js';
import { parseConfig } from '../../config/config.js';
import { loadContent } from '../../content/content-loader.js';
import { createModelProvider } from '../../model/create-provider.js';
import type { ModelProvider } from '../../model/model-provider.js';
import { formatRolloutStatus } from '../../rollout/rollout-report.js';
import { seedActors } from '../../rollout/testing/control-plane.js';
import { mergeMinutes, type SloAlertEvent } from '../../slos/awf-slos.js';
import { createKyselySloStore } from '../../slos/kysely-slo-store.js';
import { formatSloReport, sloStatusVerdict } from '../../slos/slo-status-command.js';
import { TurnAggregator } from '../../slos/turn-aggregates.js';
import { type TestDatabase, testDatabaseTargets } from '../../store/testing/test-databases.js';

/** Services wired as the process wires them, over a fresh test database of the target. */
async function servicesOn(
  database: TestDatabase,
  env: Record<string, string>,
  options: CreateServicesOptions = {},
): Promise<Services> {
  const store = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
  const config = parseConfig({
    ...store,
    SLO_EVALUATION_INTERVAL_SECONDS: '0',
    SLO_FLUSH_INTERVAL_SECONDS: '0',
    ...env,
  });
  return createServices(config, { sloTimers: false, ...options });
}

const INPUTS = ['look around', 'take the lantern', 'talk to kiera', 'go north', 'listen', 'climb the oak'];

/** Plays `sessions` × `turnsEach` turns (sessions seeded from `firstSeed`); each turn's wall time, commit included, as the player waits for it. */
async function playMany(services: Services, sessions: number, turnsEach: number, firstSeed: number) {
  const latencies: number[] = [];
  for (let s = 0; s < sessions; s += 1) {
    const { sessionId } = await services.turns.startSession({ seed: firstSeed + s });
    for (let t = 0; t < turnsEach; t += 1) {
      const started = performance.now();
      const result = await services.turns.playTurn(sessionId, INPUTS[(s + t) % INPUTS.length] as string);
      latencies.push(performance.now() - started);
      assert.equal(result.pipeline, 'legacy');
    }
  }
  return latencies;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The central 99 % range of Binomial(n, p): the 0.5 % and 99.5 % quantiles, from the exact CDF. */
function binomialRange99(n: number, p: number): [number, number] {
  const logPmf = (k: number) => logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p);
  let cdf = 0;
  let low = -1;
  for (let k = 0; k <= n; k += 1) {
    cdf += Math.exp(logPmf(k));
    if (low < 0 && cdf >= 0.005) low = k;
    if (cdf >= 0.995) return [low, k];
  }
  return [low, n];
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i += 1) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/** The AWF model answers after exactly `ms`; legacy is unaffected. */
function slowAwf(provider: ModelProvider, ms: number): ModelProvider {
  return {
    name: `${provider.name}+slow`,
    async complete(request) {
      if (request.kind === 'awf') await sleep(ms);
      return provider.complete(request);
    },
  };
}

for (const target of testDatabaseTargets()) {
  describe(`shadow turns on ${target.name}`, () => {
    it('the stored shadow rate is set with one audit entry, shown in the status, and read by the router snapshot', async () => {
      const database = await target.open();
      const services = await servicesOn(database, {});
      try {
        const actors = await seedActors(services.auth);
        assert.equal((await services.rollout.status()).effective.shadowPercent, 0);
        const change = await services.rollout.setShadow(actors.principals.operator, 12.5);
        assert.deepEqual([change.previous, change.new], [0, 12.5]);
        const [entry] = await services.audit.getRecentLogs(1);
        assert.deepEqual(
          [entry?.actor, entry?.action, entry?.entity, entry?.details],
          ['ops-1', 'rollout.shadow.set', 'rollout', { previous: 0, new: 12.5, version: change.version }],
        );
        assert.equal((await services.rollout.status()).effective.shadowPercent, 12.5);
        assert.match(
          formatRolloutStatus(await services.rollout.status()).join('\n'),
          /^ {2}shadow +12\.50 % of legacy-routed turns also run AWF unseen/m,
        );
        await services.rolloutState.refresh();
        assert.equal(services.rolloutState.current()?.shadowPercent, 12.5);
        await assert.rejects(services.rollout.setShadow(actors.principals.operator, 100.001), {
          code: 'ROLLOUT_INVALID_PERCENT',
        });
        await assert.rejects(services.rollout.setShadow(actors.principals.viewer, 5), {
          code: 'AUTH_FORBIDDEN',
        });
        assert.equal((await services.rollout.status()).effective.shadowPercent, 12.5);
      } finally {
        await services.close();
        await database.close();
      }
    });

    it('with AWF_LOCAL_INVALID_RATE=0.2 and shadow at 100 % over 1000 legacy turns: retry rate within its binomial 99 % range, the shadow alert fires once, players see no error', async (t) => {
      const database = await target.open();
      const services = await servicesOn(database, {
        AWF_LOCAL_INVALID_RATE: '0.2',
        AWF_SHADOW_CONCURRENCY: '4',
        AWF_SHADOW_QUEUE: '2000',
        AWF_SHADOW_MAX_PER_MINUTE: '100000',
      });
      const events: SloAlertEvent[] = [];
      services.slos.onAlert((event) => {
        events.push(event);
      });
      try {
        const actors = await seedActors(services.auth);
        const off = await playMany(services, 100, 10, 1);
        await services.rollout.setShadow(actors.principals.operator, 100);
        await services.rolloutState.refresh();
        const on = await playMany(services, 50, 10, 1001);
        await services.slos.evaluate();
        on.push(...(await playMany(services, 50, 10, 2001)));
        await services.shadow?.idle();
        await services.slos.evaluate();
        const report = await services.slos.evaluate();

        // Players: 2000 answers, none failed, all from legacy.
        assert.equal(report.legacy.turns, 2000);
        assert.equal(report.legacy.failures, 0);
        assert.equal(report.awf.turns, 0);

        const shadow = report.shadow;
        assert.ok(shadow);
        assert.equal(shadow.turns, 1000);
        assert.equal(shadow.dropped, 0);
        const [low, high] = binomialRange99(1000, 0.2);
        assert.ok(
          shadow.retries >= low && shadow.retries <= high,
          `shadow invalid retries ${shadow.retries} of 1000 outside the binomial 99 % range [${low}, ${high}]`,
        );
        assert.equal(shadow.validFirst + shadow.validAfterRetry + shadow.wouldFallBack, 1000);
        assert.equal(shadow.compared, shadow.validFirst + shadow.validAfterRetry);
        assert.ok(shadow.tokens.in > 0 && shadow.tokens.out > 0);

        const retryAlerts = events.filter((event) => event.slo === 'shadow_invalid_retry_rate');
        assert.deepEqual(
          retryAlerts.map((event) => [event.kind, event.severity]),
          [['fired', 'warning']],
        );
        for (const slo of new Set(events.map((event) => event.slo))) {
          assert.ok(slo.startsWith('shadow_'), `only shadow SLOs alert, got ${slo}`);
          assert.equal(events.filter((event) => event.slo === slo && event.kind === 'fired').length, 1);
        }
        assert.deepEqual(report.alerts, [], 'shadow alerts never join the gate');
        assert.ok(report.shadowAlerts?.some((alert) => alert.slo === 'shadow_invalid_retry_rate'));
        const fired = await services.audit.query({ action: 'slo.alert.fired', order: 'asc' });
        assert.equal(fired.filter((entry) => entry.entity === 'slo:shadow_invalid_retry_rate').length, 1);

        // slo-status shows the shadow SLOs beside AWF and legacy; they do not fail the gate.
        const text = formatSloReport(report);
        assert.match(
          text,
          /^ {2}1000 runs: valid first time \d+, after retry \d+, would have fallen back \d+/m,
        );
        assert.match(
          text,
          /^ {4}shadow invalid retry rate +\d+\.\d+ % +\d+\.\d+ % \(99\.9 %\) +5\.00 % +warning +1000 shadow runs$/m,
        );
        assert.match(text, /agreement with the served answer \(\d+ compared\): same scene [\d.]+ %/);
        assert.match(text, /spend: \d+ tokens in, \d+ out on the AWF provider/);
        assert.equal(sloStatusVerdict(report).status, 'ok');
        const scrape = (await services.metrics.scrape()).body;
        assert.match(scrape, /^awf_turns_total\{pipeline="awf_shadow"\} 1000$/m);
        assert.match(scrape, /^awf_turns_total\{pipeline="awf"\} 0$/m);

        const added = median(on) - median(off);
        t.diagnostic(
          `median turn latency: shadow off ${median(off).toFixed(2)} ms, on ${median(on).toFixed(2)} ms, difference ${added.toFixed(2)} ms (reported, not asserted)`,
        );
      } finally {
        await services.close();
        await database.close();
      }
    });

    it('shadow minutes merge exactly: two flushes and two instances add every count and the sketch', async () => {
      const database = await target.open();
      try {
        const store = createKyselySloStore(database);
        const at = 29_000_000 * 60_000;
        const sample = (retried: boolean, same: boolean) => ({
          pipeline: 'awf' as const,
          latencyMs: 1200,
          retried,
          fallback: false,
          validAfterRetry: retried,
          tokens: { in: 300, out: 40 },
          bundleBytes: 2500,
          agreement: {
            sameScene: same,
            sameSceneChange: true,
            sameActs: same,
            choiceShared: 2,
            choiceUnion: 5,
          },
        });
        for (const [instance, retried] of [
          ['web-1', true],
          ['web-1', false],
          ['web-2', false],
        ] as const) {
          const aggregator = new TurnAggregator();
          aggregator.recordShadow(sample(retried, !retried), at);
          aggregator.recordShadowDrop('queue_full', at);
          await store.mergeMinutes(instance, aggregator.drain(), new Date(at).toISOString());
        }
        const rows = await store.listMinutes(29_000_000, 29_000_000);
        assert.deepEqual(
          rows.map((row) => [row.instanceId, row.pipeline, row.turns]),
          [
            ['web-1', 'awf_shadow', 2],
            ['web-2', 'awf_shadow', 1],
          ],
        );
        const { shadow, awf, legacy } = mergeMinutes(rows);
        assert.equal(awf.turns + legacy.turns, 0);
        assert.deepEqual([shadow.turns, shadow.retries], [3, 1]);
        assert.deepEqual(shadow.shadow, {
          validAfterRetry: 1,
          compared: 3,
          sameScene: 2,
          sameSceneChange: 3,
          sameActs: 2,
          choiceShared: 6,
          choiceUnion: 15,
          tokensIn: 900,
          tokensOut: 120,
          bundleBytes: 7500,
          dropReasons: { queue_full: 3 },
        });
        assert.equal(shadow.latency.count, 3);
      } finally {
        await database.close();
      }
    });

    it('with a slow AWF model (2 s) and a full queue, turns answer at legacy speed and the drop counter rises', async (t) => {
      const database = await target.open();
      const config = parseConfig({});
      const local = createModelProvider(config.model, loadContent(config.content.dir));
      const services = await servicesOn(
        database,
        { AWF_SHADOW_CONCURRENCY: '1', AWF_SHADOW_QUEUE: '2', AWF_SHADOW_MAX_PER_MINUTE: '100000' },
        { provider: slowAwf(local, 2000), legacyProvider: local },
      );
      try {
        const actors = await seedActors(services.auth);
        await services.rollout.setShadow(actors.principals.operator, 100);
        await services.rolloutState.refresh();
        const latencies = await playMany(services, 2, 10, 7);
        await sleep(0);
        const stats = services.shadow?.stats();
        assert.ok(stats);
        assert.ok(stats.dropped.queue_full > 0, `queue_full drops: ${stats.dropped.queue_full}`);
        assert.ok(stats.queued <= 2 && stats.running <= 1);
        for (const latency of latencies) assert.ok(latency < 2000, `a turn took ${latency} ms`);
        t.diagnostic(
          `median turn latency ${median(latencies).toFixed(2)} ms; queue_full drops ${stats.dropped.queue_full}`,
        );
        const scrape = (await services.metrics.scrape()).body;
        const dropped = /awf_shadow_dropped_total\{pipeline="awf_shadow",reason="queue_full"\} (\d+)/.exec(
          scrape,
        );
        assert.equal(Number(dropped?.[1]), stats.dropped.queue_full);

        // The graceful stop (main.ts gives up after 4.5 s) is not held up by the 2 s model.
        const stopping = performance.now();
        await services.close();
        const stopMs = performance.now() - stopping;
        assert.ok(stopMs < 4500, `close took ${stopMs} ms`);
        const after = services.shadow?.stats();
        assert.equal(after?.running, 0);
        assert.equal(after?.queued, 0);
        assert.ok((after?.dropped.shutdown ?? 0) >= 1);
      } finally {
        await services.close().catch(() => {});
        await database.close();
      }
    });
  });
}
