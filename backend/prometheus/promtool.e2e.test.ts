import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createTestServices, type TestServices } from '../src/app/testing/test-services.js';
import { parseConfig } from '../src/config/config.js';
import { buildApp } from '../src/server/build-app.js';
import { RULES_FILE_NAME, RULES_TEST_FILE_NAME, renderSloRuleFiles } from '../src/slos/slo-rule-files.js';

const HERE = import.meta.dirname;
const hasPromtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const isCi = process.env.CI === 'true';

/** Runs promtool; without it the test is skipped locally and fails under CI (the checks must run there). */
function promtool(t: TestContext, args: string[], input?: string): { status: number | null; output: string } {
  if (!hasPromtool) {
    if (isCi) {
      assert.fail('promtool is not installed; .ci/run installs it (apt-get install prometheus)');
    }
    t.skip('promtool is not installed (apt-get install prometheus)');
    return { status: null, output: '' };
  }
  const result = spawnSync('promtool', args, { encoding: 'utf8', input, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Prometheus rules and metrics, checked by promtool', () => {
  it('the committed rules and test file are what `npm run slo:rules` generates for the default thresholds', () => {
    const files = renderSloRuleFiles(parseConfig({}).slo);
    assert.equal(readFileSync(path.join(HERE, RULES_FILE_NAME), 'utf8'), files.rules);
    assert.equal(readFileSync(path.join(HERE, RULES_TEST_FILE_NAME), 'utf8'), files.test);
  });

  it('promtool check rules accepts the generated rules (15 recording rules, 9 alerts)', (t) => {
    const { status, output } = promtool(t, ['check', 'rules', path.join(HERE, RULES_FILE_NAME)]);
    if (status === null) return;
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 24 rules found/);
  });

  it('promtool test rules: each alert fires on a synthetic burn and stays quiet on a healthy series', (t) => {
    const { status, output } = promtool(t, ['test', 'rules', path.join(HERE, RULES_TEST_FILE_NAME)]);
    if (status === null) return;
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });

  describe('for other thresholds (SLO_TURN_P95_MS=8123, SLO_INVALID_RETRY_RATE=2.5, SLO_FALLBACK_RATE=0.7)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'awf-rules-'));
      const files = renderSloRuleFiles(
        parseConfig({ SLO_TURN_P95_MS: '8123', SLO_INVALID_RETRY_RATE: '2.5', SLO_FALLBACK_RATE: '0.7' }).slo,
      );
      writeFileSync(path.join(dir, RULES_FILE_NAME), files.rules);
      writeFileSync(path.join(dir, RULES_TEST_FILE_NAME), files.test);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('matches the threshold bucket le="8.123" and the 0.007 budget, and passes check and test', (t) => {
      const rules = readFileSync(path.join(dir, RULES_FILE_NAME), 'utf8');
      assert.match(rules, /le="8\.123"/);
      assert.match(rules, /\(14\.4 \* 0\.007\)/);
      const check = promtool(t, ['check', 'rules', path.join(dir, RULES_FILE_NAME)]);
      if (check.status === null) return;
      assert.equal(check.status, 0, check.output);
      const test = promtool(t, ['test', 'rules', path.join(dir, RULES_TEST_FILE_NAME)]);
      assert.equal(test.status, 0, test.output);
    });
  });

  describe('a real scrape of GET /metrics', () => {
    let services: TestServices;
    let scrape: string;
    before(async () => {
      services = await createTestServices({
        AWF_BUNDLE_ON: 'true',
        AWF_PERCENT_ROLLOUT: '50',
        AWF_LOCAL_INVALID_RATE: '0.5',
        SLO_MIN_SAMPLE: '1',
      });
      services.slos.onAlert(() => {});
      const app = await buildApp({ services });
      for (const user of ['u-1', 'u-2', 'u-3', 'u-4']) {
        const { sessionId } = await services.turns.startSession({ userId: user, seed: 9 });
        for (const input of ['look around', 'take the lantern'])
          await services.turns.playTurn(sessionId, input);
      }
      await services.slos.evaluate();
      scrape = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      await app.close();
    });
    after(async () => {
      await services.dispose();
    });

    it('passes promtool check metrics (the exposition lint)', (t) => {
      assert.match(scrape, /^awf_turns_total\{pipeline="awf"\} \d+/m);
      const { status, output } = promtool(t, ['check', 'metrics'], scrape);
      if (status === null) return;
      assert.equal(status, 0, output);
    });

    it('exposes every series the generated rules read', () => {
      const rules = readFileSync(path.join(HERE, RULES_FILE_NAME), 'utf8');
      const referenced = new Set([...rules.matchAll(/\b(awf_[a-z_]+)(?=[{[])/g)].map((match) => match[1]));
      assert.ok(referenced.size >= 4);
      for (const name of referenced) assert.match(scrape, new RegExp(`^${name}[{ ]`, 'm'), name);
      assert.match(scrape, /^awf_turn_latency_seconds_bucket\{le="8",pipeline="awf"\}/m);
    });
  });
});
