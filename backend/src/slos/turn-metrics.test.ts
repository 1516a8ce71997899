import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pipeline, Session } from '../game/game-types.js';
import type { FailedTurn } from '../turns/turn-service.js';
import { createTurnMetrics } from './turn-metrics.js';

const SESSION: Session = {
  sessionId: 's1',
  userId: 'u1',
  seed: 1,
  state: { scene: 'start', flags: {}, inventory: [], relationships: {} },
  turnCount: 0,
  lastChoices: [],
  createdAt: '2026-01-01T12:00:00.000Z',
  updatedAt: '2026-01-01T12:00:00.000Z',
};

function failedTurn(pipeline: Pipeline, errorCode = 'LEGACY_UNAVAILABLE', latencyMs = 2500): FailedTurn {
  return {
    decision: { pipeline, reason: 'percent_bucket', bucket: 1 },
    session: SESSION,
    latencyMs,
    errorCode,
  };
}

/** The value of one exposition line, e.g. `awf_turns_total{pipeline="awf"}`. */
function sampleValue(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrapeAfter(failures: FailedTurn[]) {
  const metrics = createTurnMetrics({ turnP95Ms: 8000, processMetrics: false });
  for (const failure of failures) metrics.observer.onTurnFailed?.(failure);
  return (await metrics.scrape()).body;
}

describe('createTurnMetrics()', () => {
  describe('.observer.onTurnFailed()', () => {
    it('when an AWF turn and its legacy fallback both failed: counts an AWF turn, a legacy_unavailable fallback, its latency and a failure by code', async () => {
      const body = await scrapeAfter([failedTurn('awf')]);
      assert.equal(sampleValue(body, 'awf_turns_total{pipeline="awf"}'), 1);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="legacy_unavailable"}'), 1);
      assert.equal(sampleValue(body, 'awf_turn_latency_seconds_count{pipeline="awf"}'), 1);
      assert.equal(sampleValue(body, 'awf_turn_latency_seconds_sum{pipeline="awf"}'), 2.5);
      assert.equal(sampleValue(body, 'awf_turn_failures_total{pipeline="awf",code="LEGACY_UNAVAILABLE"}'), 1);
      assert.equal(sampleValue(body, 'awf_turns_total{pipeline="legacy"}'), 0);
      assert.equal(sampleValue(body, 'awf_turn_invalid_retries_total'), 0);
    });

    it('when an AWF turn failed for another reason: counts it as a fallback with reason turn_failed', async () => {
      const body = await scrapeAfter([failedTurn('awf', 'INTERNAL')]);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="turn_failed"}'), 1);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="legacy_unavailable"}'), 0);
      assert.equal(sampleValue(body, 'awf_turn_failures_total{pipeline="awf",code="INTERNAL"}'), 1);
    });

    it('when a legacy-routed turn failed: counts a legacy turn and a legacy failure by code, and no AWF fallback', async () => {
      const body = await scrapeAfter([failedTurn('legacy'), failedTurn('legacy')]);
      assert.equal(sampleValue(body, 'awf_turns_total{pipeline="legacy"}'), 2);
      assert.equal(sampleValue(body, 'awf_turn_latency_seconds_count{pipeline="legacy"}'), 2);
      assert.equal(
        sampleValue(body, 'awf_turn_failures_total{pipeline="legacy",code="LEGACY_UNAVAILABLE"}'),
        2,
      );
      assert.equal(sampleValue(body, 'awf_turns_total{pipeline="awf"}'), 0);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="legacy_unavailable"}'), 0);
    });

    it('when legacy could not answer: counts the failure by routed pipeline and reason', async () => {
      const body = await scrapeAfter([
        { ...failedTurn('legacy'), reason: 'unparseable_answer' },
        { ...failedTurn('awf'), reason: 'timeout' },
        { ...failedTurn('awf'), reason: 'timeout' },
      ]);
      assert.equal(
        sampleValue(body, 'awf_legacy_failures_total{pipeline="legacy",reason="unparseable_answer"}'),
        1,
      );
      assert.equal(sampleValue(body, 'awf_legacy_failures_total{pipeline="awf",reason="timeout"}'), 2);
      assert.equal(sampleValue(body, 'awf_legacy_failures_total{pipeline="awf",reason="provider_error"}'), 0);
    });

    it('exposes every legacy failure reason at zero before any failure', async () => {
      const body = await scrapeAfter([]);
      for (const pipeline of ['awf', 'legacy']) {
        for (const reason of ['provider_error', 'timeout', 'unparseable_answer']) {
          assert.equal(
            sampleValue(body, `awf_legacy_failures_total{pipeline="${pipeline}",reason="${reason}"}`),
            0,
          );
        }
      }
    });

    it('exposes the failure and legacy_unavailable series at zero before any failure, so rate() works from the first', async () => {
      const body = await scrapeAfter([]);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="legacy_unavailable"}'), 0);
      assert.equal(sampleValue(body, 'awf_turn_failures_total{pipeline="awf",code="LEGACY_UNAVAILABLE"}'), 0);
      assert.equal(
        sampleValue(body, 'awf_turn_failures_total{pipeline="legacy",code="LEGACY_UNAVAILABLE"}'),
        0,
      );
    });
  });

  describe('.authorizeScrape()', () => {
    const TOKEN = 'scrape-token-0123456789abcdef';

    it('without AWF_METRICS_TOKEN: lets every scrape through', () => {
      const metrics = createTurnMetrics({ turnP95Ms: 8000, processMetrics: false });
      assert.equal(metrics.authorizeScrape(undefined), 'allowed');
      assert.equal(metrics.authorizeScrape('Bearer anything'), 'allowed');
    });

    it('with AWF_METRICS_TOKEN: allows only "Bearer <that token>" (scheme in any case)', () => {
      const metrics = createTurnMetrics({ turnP95Ms: 8000, processMetrics: false, scrapeToken: TOKEN });
      assert.equal(metrics.authorizeScrape(`Bearer ${TOKEN}`), 'allowed');
      assert.equal(metrics.authorizeScrape(`bearer ${TOKEN}`), 'allowed');
      assert.equal(metrics.authorizeScrape(undefined), 'missing');
      assert.equal(metrics.authorizeScrape(''), 'missing');
      assert.equal(metrics.authorizeScrape('Bearer '), 'missing');
      assert.equal(metrics.authorizeScrape('Bearer wrong'), 'invalid');
      assert.equal(metrics.authorizeScrape(`Bearer ${TOKEN}x`), 'invalid');
      assert.equal(metrics.authorizeScrape(`Bearer ${TOKEN.slice(0, -1)}`), 'invalid');
      assert.equal(metrics.authorizeScrape(`Basic ${TOKEN}`), 'invalid');
      assert.equal(metrics.authorizeScrape(TOKEN), 'invalid');
    });
  });
});
