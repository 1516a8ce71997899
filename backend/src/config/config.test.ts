import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config.js';
import { configProblemsOf } from './testing/config-problems.js';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = parseConfig({});
    assert.deepEqual(config.server, { host: '127.0.0.1', port: 3000 });
    assert.equal(config.store.sqlitePath, './data/awf.db');
    assert.equal(config.store.databaseUrl, undefined);
    assert.equal(config.rollout.envGlobalFlag, undefined);
    assert.equal(config.rollout.envPercent, undefined);
    assert.equal(config.rollout.legacyTurnEnabled, false);
    assert.equal(config.rollout.emergencyFallback, false);
    assert.deepEqual(config.slo, { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 });
    assert.equal(config.model.provider, 'local');
    assert.deepEqual(config.ofrep, { rateLimitPerSecond: 100 });
  });

  it('reads the OFREP per-token rate limit', () => {
    assert.equal(parseConfig({ AWF_OFREP_RATE_LIMIT: '250' }).ofrep.rateLimitPerSecond, 250);
  });

  it('reads the seed variables', () => {
    const config = parseConfig({
      AWF_BUNDLE_ON: 'true',
      AWF_PERCENT_ROLLOUT: '25',
      SLO_TURN_P95_MS: '6000',
      SLO_INVALID_RETRY_RATE: '2.5',
      SLO_FALLBACK_RATE: '0.5',
      LEGACY_TURN_ENABLED: 'false',
      EMERGENCY_FALLBACK: 'true',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
    assert.equal(config.rollout.envGlobalFlag, true);
    assert.equal(config.rollout.envPercent, 25);
    assert.deepEqual(config.slo, { turnP95Ms: 6000, invalidRetryRatePct: 2.5, fallbackRatePct: 0.5 });
    assert.equal(config.rollout.emergencyFallback, true);
    assert.equal(config.store.databaseUrl, 'postgres://postgres@127.0.0.1:5432/test');
  });

  it('accepts a percentage with two decimals', () => {
    assert.equal(parseConfig({ AWF_PERCENT_ROLLOUT: '12.34' }).rollout.envPercent, 12.34);
  });

  it('returns a frozen object', () => {
    const config = parseConfig({});
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
  });

  describe('the legacy model', () => {
    const awfOpenAi = {
      AWF_MODEL_PROVIDER: 'openai',
      AWF_MODEL_BASE_URL: 'http://127.0.0.1:11434/v1',
      AWF_MODEL_NAME: 'awf-model',
      AWF_MODEL_API_KEY: 'awf-key',
      AWF_MODEL_TIMEOUT_MS: '9000',
    };

    it('takes every setting from the AWF model when no AWF_LEGACY_MODEL_* is set', () => {
      const config = parseConfig(awfOpenAi);
      assert.deepEqual(config.legacyModel, config.model);
      assert.equal(config.legacyModel.openai.model, 'awf-model');
      assert.equal(config.legacyModel.timeoutMs, 9000);
    });

    it('reads its own provider, base URL, name, API key and timeout', () => {
      const config = parseConfig({
        ...awfOpenAi,
        AWF_LEGACY_MODEL_PROVIDER: 'openai',
        AWF_LEGACY_MODEL_BASE_URL: 'http://127.0.0.1:8080/v1',
        AWF_LEGACY_MODEL_NAME: 'legacy-model',
        AWF_LEGACY_MODEL_API_KEY: 'legacy-key',
        AWF_LEGACY_MODEL_TIMEOUT_MS: '4000',
      });
      assert.deepEqual(
        {
          ...config.legacyModel.openai,
          provider: config.legacyModel.provider,
          timeoutMs: config.legacyModel.timeoutMs,
        },
        {
          ...config.model.openai,
          provider: 'openai',
          baseUrl: 'http://127.0.0.1:8080/v1',
          model: 'legacy-model',
          apiKey: 'legacy-key',
          timeoutMs: 4000,
        },
      );
      assert.equal(config.model.openai.model, 'awf-model', 'the AWF model keeps its own settings');
    });

    it('can differ in kind from the AWF model: local AWF, openai legacy', () => {
      const config = parseConfig({
        AWF_LEGACY_MODEL_PROVIDER: 'openai',
        AWF_LEGACY_MODEL_BASE_URL: 'http://127.0.0.1:8080/v1',
      });
      assert.equal(config.model.provider, 'local');
      assert.equal(config.legacyModel.provider, 'openai');
    });

    it('never sends the AWF API key to a different legacy endpoint', () => {
      const config = parseConfig({ ...awfOpenAi, AWF_LEGACY_MODEL_BASE_URL: 'http://127.0.0.1:8080/v1' });
      assert.equal(config.legacyModel.openai.apiKey, '');
    });

    const cases: Array<[string, string, RegExp]> = [
      [
        'AWF_LEGACY_MODEL_PROVIDER',
        'claude',
        /^AWF_LEGACY_MODEL_PROVIDER="claude" is invalid: accepted values are local, openai$/,
      ],
      ['AWF_LEGACY_MODEL_BASE_URL', 'ftp://x', /^AWF_LEGACY_MODEL_BASE_URL="ftp:\/\/x" is invalid: .*http:/],
      ['AWF_LEGACY_MODEL_TIMEOUT_MS', '0', /^AWF_LEGACY_MODEL_TIMEOUT_MS="0" is invalid: .*integer >= 1$/],
    ];
    for (const [name, value, message] of cases) {
      it(`stops on ${name}=${value} with one line naming the variable`, () => {
        const problems = configProblemsOf({ [name]: value });
        assert.equal(problems.length, 1);
        assert.match(problems[0] as string, message);
      });
    }

    it('stops when an openai legacy model has neither an API key nor a base URL', () => {
      const problems = configProblemsOf({ AWF_LEGACY_MODEL_PROVIDER: 'openai' });
      assert.equal(problems.length, 1);
      assert.match(problems[0] as string, /legacy model is openai .* needs AWF_LEGACY_MODEL_API_KEY/);
    });

    it('lists its problems with the others', () => {
      const problems = configProblemsOf({ AWF_LEGACY_MODEL_PROVIDER: 'claude', AWF_BUNDLE_ON: 'maybe' });
      assert.equal(problems.length, 2);
    });
  });

  describe('when a value is malformed', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'AWF_PERCENT_ROLLOUT',
        '150',
        /^AWF_PERCENT_ROLLOUT="150" is invalid: accepted values are a number .* from 0 to 100$/,
      ],
      ['AWF_PERCENT_ROLLOUT', 'abc', /^AWF_PERCENT_ROLLOUT="abc" is invalid/],
      ['AWF_PERCENT_ROLLOUT', '-1', /^AWF_PERCENT_ROLLOUT="-1" is invalid/],
      ['AWF_PERCENT_ROLLOUT', '1.234', /at most 2 decimals/],
      [
        'AWF_BUNDLE_ON',
        'maybe',
        /^AWF_BUNDLE_ON="maybe" is invalid: accepted values are true, false, 1 or 0$/,
      ],
      ['LEGACY_TURN_ENABLED', 'yes', /^LEGACY_TURN_ENABLED="yes" is invalid/],
      ['EMERGENCY_FALLBACK', 'on', /^EMERGENCY_FALLBACK="on" is invalid/],
      ['SLO_TURN_P95_MS', '0', /^SLO_TURN_P95_MS="0" is invalid: accepted values are an integer >= 1$/],
      ['SLO_FALLBACK_RATE', 'high', /^SLO_FALLBACK_RATE="high" is invalid/],
      ['PORT', '70000', /^PORT="70000" is invalid/],
      [
        'AWF_MODEL_PROVIDER',
        'claude',
        /^AWF_MODEL_PROVIDER="claude" is invalid: accepted values are local, openai$/,
      ],
      [
        'AWF_OFREP_RATE_LIMIT',
        '0',
        /^AWF_OFREP_RATE_LIMIT="0" is invalid: accepted values are an integer from 1/,
      ],
      ['AWF_LOCAL_INVALID_RATE', '1.5', /^AWF_LOCAL_INVALID_RATE="1.5" is invalid/],
      [
        'DATABASE_URL',
        'mysql://x',
        /^DATABASE_URL="mysql:\/\/x" is invalid: accepted values are a URL starting with postgres:/,
      ],
    ];
    for (const [name, value, message] of cases) {
      it(`stops on ${name}=${value} with one line naming the variable and the accepted values`, () => {
        const problems = configProblemsOf({ [name]: value });
        assert.equal(problems.length, 1);
        assert.match(problems[0] as string, message);
      });
    }

    it('lists every bad variable, not just the first', () => {
      const problems = configProblemsOf({ AWF_PERCENT_ROLLOUT: '150', AWF_BUNDLE_ON: 'maybe' });
      assert.equal(problems.length, 2);
    });

    it('never echoes a database password', () => {
      const [problem] = configProblemsOf({ DATABASE_URL: 'mysql://me:secret@db/x' });
      assert.doesNotMatch(problem as string, /secret/);
    });
  });
});
