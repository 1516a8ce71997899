import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { configProblemsOf } from '../config/testing/config-problems.js';

describe('parseConfig — AWF_METRICS_TOKEN', () => {
  it('is unset by default: /metrics stays open', () => {
    assert.deepEqual(parseConfig({}).metrics, { scrapeToken: undefined });
  });

  it('reads the token', () => {
    const config = parseConfig({ AWF_METRICS_TOKEN: 'Zm9vYmFyYmF6-qux_0123456789' });
    assert.deepEqual(config.metrics, { scrapeToken: 'Zm9vYmFyYmF6-qux_0123456789' });
  });

  it('rejects a short token or one with spaces, without printing it', () => {
    for (const token of ['short', 'has a space in it 0123456789']) {
      const problems = configProblemsOf({ AWF_METRICS_TOKEN: token });
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', /^AWF_METRICS_TOKEN is invalid: accepted values are 16 or more/);
      assert.ok(!problems[0]?.includes(token));
    }
  });
});

describe('parseConfig — SLO monitoring variables', () => {
  it('gives the documented defaults', () => {
    const config = parseConfig({});
    assert.deepEqual(config.sloMonitoring, {
      evaluationWindow: '5m',
      evaluationIntervalSeconds: 60,
      flushIntervalSeconds: 10,
      minSample: 100,
      resolveHysteresisPct: 10,
      alertConfidencePct: 99.9,
      retentionDays: 30,
      noDataResolveEvaluations: 3,
      alertWebhookUrl: undefined,
    });
    assert.equal(config.instanceId, hostname() || 'instance');
  });

  it('reads every variable', () => {
    const config = parseConfig({
      SLO_EVALUATION_WINDOW: '1h',
      SLO_EVALUATION_INTERVAL_SECONDS: '0',
      SLO_FLUSH_INTERVAL_SECONDS: '5',
      SLO_MIN_SAMPLE: '250',
      SLO_RESOLVE_HYSTERESIS: '20',
      SLO_ALERT_CONFIDENCE: '95',
      SLO_RETENTION_DAYS: '90',
      SLO_ALERT_WEBHOOK_URL: 'https://hooks.example/slo',
      SLO_NO_DATA_RESOLVE_EVALUATIONS: '0',
      AWF_INSTANCE_ID: 'web-1.eu:3000',
    });
    assert.deepEqual(config.sloMonitoring, {
      evaluationWindow: '1h',
      evaluationIntervalSeconds: 0,
      flushIntervalSeconds: 5,
      minSample: 250,
      resolveHysteresisPct: 20,
      alertConfidencePct: 95,
      retentionDays: 90,
      noDataResolveEvaluations: 0,
      alertWebhookUrl: 'https://hooks.example/slo',
    });
    assert.equal(config.instanceId, 'web-1.eu:3000');
  });

  it('lists every malformed value, each naming its variable', () => {
    const problems = configProblemsOf({
      SLO_EVALUATION_WINDOW: '2w',
      SLO_MIN_SAMPLE: '0',
      SLO_RETENTION_DAYS: '3',
      SLO_ALERT_WEBHOOK_URL: 'ftp://x',
      SLO_NO_DATA_RESOLVE_EVALUATIONS: '-1',
      SLO_ALERT_CONFIDENCE: '100',
      AWF_INSTANCE_ID: 'has space',
    });
    assert.equal(problems.length, 7);
    assert.match(
      problems[0] ?? '',
      /^SLO_EVALUATION_WINDOW="2w" is invalid: accepted values are 5m, 1h, 24h, 7d$/,
    );
    assert.match(problems[1] ?? '', /^SLO_MIN_SAMPLE="0"/);
    assert.match(problems[2] ?? '', /^SLO_ALERT_CONFIDENCE="100" .* from 50 to 99\.99$/);
    assert.match(problems[3] ?? '', /^SLO_RETENTION_DAYS="3" .* >= 7$/);
    assert.match(problems[4] ?? '', /^SLO_ALERT_WEBHOOK_URL/);
    assert.match(problems[5] ?? '', /^SLO_NO_DATA_RESOLVE_EVALUATIONS="-1" .* >= 0$/);
    assert.match(problems[6] ?? '', /^AWF_INSTANCE_ID="has space"/);
  });
});
