import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { buildApp } from '../server/build-app.js';
import { ModelProviderError } from '../shared/errors.js';

/** The value of one exposition line, e.g. `awf_turns_total{pipeline="awf"}`. */
function sampleValue(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let services: TestServices;
  let app: FastifyInstance;
  let body: string;
  let contentType: string | undefined;

  before(async () => {
    // Half the model's AWF answers are invalid: some turns retry, some fall back.
    services = await createTestServices({
      AWF_BUNDLE_ON: 'true',
      AWF_PERCENT_ROLLOUT: '100',
      AWF_LOCAL_INVALID_RATE: '0.5',
      SLO_TURN_P95_MS: '7500',
      SLO_MIN_SAMPLE: '1',
    });
    app = await buildApp({ services });
    const { sessionId } = await services.turns.startSession({ seed: 5, userId: 'metrics-user' });
    for (let i = 0; i < 12; i++)
      await services.turns.playTurn(sessionId, i % 2 ? 'look around' : 'take the lantern');
    await services.slos.evaluate();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    body = response.body;
    contentType = String(response.headers['content-type']);
  });
  after(async () => {
    await app.close();
    await services.dispose();
  });

  it('answers in the Prometheus text format', () => {
    assert.match(contentType ?? '', /^text\/plain; version=0\.0\.4/);
  });

  it('has the turn latency histogram by pipeline with a bucket edge exactly at SLO_TURN_P95_MS', () => {
    assert.match(body, /# TYPE awf_turn_latency_seconds histogram/);
    assert.equal(sampleValue(body, 'awf_turn_latency_seconds_count{pipeline="awf"}'), 12);
    assert.equal(sampleValue(body, 'awf_turn_latency_seconds_bucket{le="7.5",pipeline="awf"}'), 12);
    assert.equal(sampleValue(body, 'awf_turn_latency_seconds_count{pipeline="legacy"}'), 0);
  });

  it('counts turns, invalid retries and fallbacks by reason, consistently with the SLO service', async () => {
    const report = await services.slos.status('5m');
    assert.equal(sampleValue(body, 'awf_turns_total{pipeline="awf"}'), 12);
    assert.equal(sampleValue(body, 'awf_turn_invalid_retries_total'), report.awf.retries);
    const fallbacks = ['invalid_output', 'provider_error', 'timeout'].map(
      (reason) => sampleValue(body, `awf_turn_fallbacks_total{reason="${reason}"}`) ?? Number.NaN,
    );
    assert.equal(
      fallbacks.reduce((a, b) => a + b, 0),
      report.awf.fallbacks,
    );
    assert.ok(report.awf.retries > 0, 'the fault injection should have caused retries');
  });

  it('has bundle size and token usage', () => {
    assert.equal(sampleValue(body, 'awf_bundle_size_bytes_count'), 12);
    assert.ok((sampleValue(body, 'awf_model_tokens_total{pipeline="awf",direction="in"}') ?? 0) > 0);
    assert.ok((sampleValue(body, 'awf_model_tokens_total{pipeline="awf",direction="out"}') ?? 0) > 0);
  });

  it('has rollout percent, global flag and override count gauges', () => {
    assert.equal(sampleValue(body, 'awf_rollout_percent'), 100);
    assert.equal(sampleValue(body, 'awf_rollout_global_enabled'), 1);
    assert.equal(sampleValue(body, 'awf_rollout_overrides{kind="user"}'), 0);
    assert.equal(sampleValue(body, 'awf_rollout_overrides{kind="session"}'), 0);
    assert.equal(sampleValue(body, 'awf_rollout_emergency_fallback'), 0);
    assert.equal(sampleValue(body, 'awf_rollout_legacy_turn_enabled'), 0);
  });

  it('has SLO state gauges from the last evaluation', () => {
    const report = services.slos.lastReport();
    assert.ok(report);
    for (const slo of report.slos) {
      assert.equal(sampleValue(body, `awf_slo_state{slo="${slo.slo}",state="${slo.state}"}`), 1);
      assert.equal(
        sampleValue(body, `awf_slo_state{slo="${slo.slo}",state="ok"}`),
        slo.state === 'ok' ? 1 : 0,
      );
      const firing: number = report.alerts.some((alert) => alert.slo === slo.slo) ? 1 : 0;
      assert.equal(
        sampleValue(body, `awf_slo_alert_firing{slo="${slo.slo}",severity="${slo.severity}"}`),
        firing,
      );
    }
    assert.equal(sampleValue(body, 'awf_slo_window_turns'), 12);
  });
});

describe('GET /metrics when no pipeline can answer', () => {
  it('counts the failed AWF turns as turns, legacy_unavailable fallbacks and failures, as the SLO service does', async () => {
    const services = await createTestServices(
      { AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100', SLO_MIN_SAMPLE: '1' },
      {
        provider: {
          name: 'down',
          complete: async () => {
            throw new ModelProviderError('connection refused');
          },
        },
      },
    );
    const app = await buildApp({ services });
    try {
      const { sessionId } = await services.turns.startSession({ seed: 2 });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(services.turns.playTurn(sessionId, 'look around'), {
          code: 'LEGACY_UNAVAILABLE',
        });
      }
      const report = await services.slos.evaluate();
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(sampleValue(body, 'awf_turns_total{pipeline="awf"}'), 3);
      assert.equal(sampleValue(body, 'awf_turn_fallbacks_total{reason="legacy_unavailable"}'), 3);
      assert.equal(sampleValue(body, 'awf_turn_failures_total{pipeline="awf",code="LEGACY_UNAVAILABLE"}'), 3);
      assert.equal(sampleValue(body, 'awf_turn_latency_seconds_count{pipeline="awf"}'), 3);
      assert.deepEqual(report.awf.fallbackReasons, { legacy_unavailable: 3 });
      assert.equal(report.awf.failures, 3);
      assert.equal(report.slos.find((slo) => slo.slo === 'fallback_rate')?.state, 'critical');
      assert.equal(sampleValue(body, 'awf_slo_alert_firing{slo="fallback_rate",severity="critical"}'), 1);
    } finally {
      await app.close();
      await services.dispose();
    }
  });
});

describe('GET /metrics with AWF_METRICS_TOKEN set', () => {
  const TOKEN = 'metrics-scrape-token-0123456789';
  let services: TestServices;
  let app: FastifyInstance;

  before(async () => {
    services = await createTestServices({ AWF_METRICS_TOKEN: TOKEN });
    app = await buildApp({ services });
  });
  after(async () => {
    await app.close();
    await services.dispose();
  });

  it('answers 401 AUTH_MISSING_TOKEN without an Authorization header, with a Bearer challenge', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"');
    assert.equal(response.json().error.code, 'AUTH_MISSING_TOKEN');
    assert.doesNotMatch(response.body, /awf_turns_total/);
  });

  it('answers 401 AUTH_INVALID_TOKEN to another token', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-token' },
    });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().error.code, 'AUTH_INVALID_TOKEN');
  });

  it('serves the metrics to "Authorization: Bearer <AWF_METRICS_TOKEN>"', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /^awf_turns_total\{pipeline="awf"\} 0$/m);
  });
});

describe('GET /metrics with a routing switch on', () => {
  for (const [variable, gauge, other] of [
    ['EMERGENCY_FALLBACK', 'awf_rollout_emergency_fallback', 'awf_rollout_legacy_turn_enabled'],
    ['LEGACY_TURN_ENABLED', 'awf_rollout_legacy_turn_enabled', 'awf_rollout_emergency_fallback'],
  ] as const) {
    it(`shows ${variable}=true as ${gauge} 1 beside the flag and percent it overrules`, async () => {
      const services = await createTestServices(
        { [variable]: 'true', AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' },
        { watchRollout: false, sloTimers: false },
      );
      const app = await buildApp({ services });
      try {
        const scrape = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.equal(sampleValue(scrape, gauge), 1);
        assert.equal(sampleValue(scrape, other), 0);
        assert.equal(sampleValue(scrape, 'awf_rollout_global_enabled'), 1);
        assert.equal(sampleValue(scrape, 'awf_rollout_percent'), 100);
      } finally {
        await app.close();
        await services.dispose();
      }
    });
  }
});
