import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadContent } from '../content/content-loader.js';
import {
  type ChatScript,
  type FakeChatServer,
  scriptedChatHandler,
  startFakeChatServer,
} from '../model/testing/fake-chat-server.js';
import { openDatabase } from '../store/database.js';
import { DEFAULT_CONTENT_DIR } from './cli-options.js';
import { runGoldenCli } from './golden-cli.js';
import type { SampledReport, SampledUnit } from './golden-sampling.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';
import { captureStream, tempScenarioDir, writeScenario } from './testing/golden-fixtures.js';

const content = loadContent(DEFAULT_CONTENT_DIR);
/** A model timeout no loaded machine reaches, so no answer the script meant to arrive times out. */
const PATIENT = { AWF_MODEL_TIMEOUT_MS: '120000' };
const temp = tempScenarioDir();
after(() => temp.remove());

/** A scripted OpenAI-compatible endpoint for the length of `use`. */
async function withScriptedModel<T>(
  script: Omit<ChatScript, 'content'>,
  use: (server: FakeChatServer) => Promise<T>,
): Promise<T> {
  const server = await startFakeChatServer(scriptedChatHandler({ content, ...script }));
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

/** Run the runner in this process, from the temp dir. */
async function cli(argv: string[], env: Record<string, string>) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runGoldenCli(argv, { stdout, stderr, env, cwd: temp.dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A one-turn scenario into the glade. */
function oneTurn(name: string, sessionSeed: number, expect: object, extra: object = {}): object {
  return {
    name,
    description: `${name}: one turn into the glade`,
    sessionSeed,
    turns: [{ input: 'Step into the glade.', expect }],
    ...extra,
  };
}

/**
 * The central 99 % range of Binomial(n, p): the smallest k with P(X <= k) > 0.005 up to the smallest k
 * with P(X <= k) >= 0.995. A measured count outside it happens less than 1 % of the time.
 */
function binomialRange99(n: number, p: number): [number, number] {
  let pmf = (1 - p) ** n;
  let cdf = 0;
  let low = -1;
  for (let k = 0; k <= n; k++) {
    cdf += pmf;
    if (low < 0 && cdf > 0.005) low = k;
    if (cdf >= 0.995) return [low, k];
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return [low, n];
}

function assertInRange(measured: number, n: number, p: number, what: string): void {
  const [low, high] = binomialRange99(n, p);
  assert.ok(
    measured >= low && measured <= high,
    `${what}: ${measured}/${n} is outside the 99 % range ${low}–${high} of p = ${p}`,
  );
}

function unitNamed(report: SampledReport & { scenarios: SampledUnit[] }, name: string): SampledUnit {
  const unit = report.scenarios.find((candidate) => candidate.scenario === name);
  assert.ok(unit, `no scenario ${name} in the report`);
  return unit;
}

describe('golden runner --mode test --provider openai (sampled)', () => {
  describe('against a model scripted to answer 60 % correctly, 20 % invalidly, 20 % slowly (20 s)', () => {
    const SAMPLES = 100;
    const CORRECT = 0.6;
    const INVALID = 0.2;
    const SLOW = 0.2;

    it('measures pass rates inside their binomial 99 % ranges, and the threshold decides each scenario', async () => {
      const dir = path.join(temp.dir, 'fractions');
      // Valid on the first try unless the first answer was invalid: correct or slow.
      writeScenario(dir, 'first-try', oneTurn('first-try', 11, { validFirstTry: true }));
      // Within 10 s unless a slow (20 s) answer was waited for: the first answer correct; or invalid,
      // then a correct retry; or invalid twice, then the (local) legacy fallback. Needs 95 % by its own
      // file. The bounds are far apart because load only ever lengthens a turn: a fast one takes well
      // under a second on an idle machine and was seen at 4.4 s on one running several test suites.
      writeScenario(dir, 'quick', oneTurn('quick', 22, { maxLatencyMs: 10_000 }, { passRate: 0.95 }));

      const run = await withScriptedModel(
        { correct: CORRECT, invalid: INVALID, slow: SLOW, slowDelayMs: 20_000, seed: 7 },
        async (server) => {
          const result = await cli(
            [
              ...['--mode', 'test', '--provider', 'openai', '--dir', dir, '--json', '--no-store'],
              ...['--samples', String(SAMPLES), '--pass-rate', '0.5', '--concurrency', '64'],
            ],
            { ...PATIENT, AWF_MODEL_BASE_URL: server.baseUrl, AWF_LEGACY_MODEL_PROVIDER: 'local' },
          );
          return { ...result, requests: server.requests.length };
        },
      );
      assert.equal(run.code, 1, run.stderr);
      const report = JSON.parse(run.stdout) as SampledReport & { scenarios: SampledUnit[] };

      const firstTry = unitNamed(report, 'first-try');
      assert.equal(firstTry.samples, SAMPLES);
      assertInRange(firstTry.passes, SAMPLES, CORRECT + SLOW, 'first-try pass rate');
      assert.equal(firstTry.awfTurns, SAMPLES);
      assertInRange(firstTry.validFirstTry, SAMPLES, CORRECT + SLOW, 'first-try valid on first try');
      assertInRange(firstTry.retries, SAMPLES, INVALID, 'first-try retries');
      assertInRange(firstTry.fallbacks, SAMPLES, INVALID * INVALID, 'first-try fallbacks');
      assert.equal(firstTry.threshold, 0.5);
      assert.equal(firstTry.thresholdSource, 'flag');
      assert.equal(firstTry.status, 'passed');

      const quick = unitNamed(report, 'quick');
      assertInRange(
        quick.passes,
        SAMPLES,
        CORRECT + INVALID * CORRECT + INVALID * INVALID,
        'quick pass rate',
      );
      assert.deepEqual(
        quick.expectations.map((tally) => [tally.turn, tally.expectation, tally.passes, tally.samples]),
        [[1, 'maxLatencyMs', quick.passes, SAMPLES]],
      );
      assert.ok((quick.latencyMs?.p95 ?? 0) >= 20_000, 'more than 5 % of turns waited for a 20 s answer');
      assert.equal(quick.threshold, 0.95);
      assert.equal(quick.thresholdSource, 'scenario');
      assert.equal(quick.status, 'failed');

      // Each scenario's interval holds its measured rate; the tokens are the endpoint's 10 + 5 per call.
      for (const unit of [firstTry, quick]) {
        assert.ok(unit.interval.low <= unit.passRate && unit.passRate <= unit.interval.high);
      }
      assert.deepEqual(report.tokensSpent, { in: 10 * run.requests, out: 5 * run.requests });
    });
  });

  describe('against a model that always answers correctly', () => {
    const always = { correct: 1, invalid: 0, slow: 0, slowDelayMs: 0 };

    it('passes a scenario whose expectations hold and fails one whose do not, exit 1; the table says so', async () => {
      const dir = path.join(temp.dir, 'verdicts');
      writeScenario(dir, 'holds', oneTurn('holds', 31, { validFirstTry: true, scene: 'moonlit-glade' }));
      writeScenario(dir, 'never', oneTurn('never', 32, { mustInclude: [['zebra', 'unicorn']] }));
      const run = await withScriptedModel(always, (server) =>
        cli(['--mode', 'test', '--provider', 'openai', '--dir', dir, '--no-store'], {
          ...PATIENT,
          AWF_MODEL_BASE_URL: server.baseUrl,
          AWF_MODEL_NAME: 'scripted-model',
        }),
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        /^holds\s+5\/5 100 %\s+56\.6–100 %\s+90 %\s+5\/5\s+0\s+0\s+\d+(?:\.\d+)? m?s\s+50\/25\s+passed$/m,
      );
      assert.match(run.stdout, /^never\s+0\/5 0 %\s+0–43\.4 %\s+90 %/m);
      assert.match(run.stdout, /^✗ never \(awf\): pass rate 0\/5 0 %/m);
      assert.match(
        run.stdout,
        /5 of 5 sample\(s\): never turn 1: expect\.mustInclude: expected the text to include any of "zebra", "unicorn"/,
      );
      assert.match(run.stdout, /sampled 5× against openai scripted-model/);
      assert.match(run.stdout, /^tokens spent: 100 in \+ 50 out = 150/m);
      // Not a terminal: one plain progress line per scenario on stderr.
      assert.match(run.stderr, /^goldens: holds 5\/5 100 % passed \(\d+\/10 samples\)$/m);
    });

    it('under CI=true writes no golden file, and stores the run with provider, model, samples and thresholds', async () => {
      const dir = path.join(temp.dir, 'ci');
      writeScenario(dir, 'holds', oneTurn('holds', 41, { validFirstTry: true }));
      writeScenario(dir, 'strict', oneTurn('strict', 42, { sceneChange: true }, { passRate: 1 }));
      const dbPath = path.join(temp.dir, 'ci.db');
      const run = await withScriptedModel(always, (server) =>
        cli(
          ['--mode', 'test', '--provider', 'openai', '--dir', dir, '--samples', '3', '--pass-rate', '0.6'],
          {
            ...PATIENT,
            CI: 'true',
            AWF_DB_PATH: dbPath,
            AWF_MODEL_BASE_URL: server.baseUrl,
            AWF_MODEL_NAME: 'scripted-model',
          },
        ),
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(readdirSync(dir).sort(), ['holds.json', 'strict.json']);
      const database = await openDatabase({ sqlitePath: dbPath });
      try {
        const [stored] = await createKyselyGoldenRunStore(database.db).listRuns({ provider: 'openai' });
        assert.equal(stored?.mode, 'test');
        assert.equal(stored?.partial, false);
        assert.equal(stored?.samplesRequested, 3);
        assert.deepEqual(stored?.models.awf, { provider: 'openai', name: 'scripted-model' });
        assert.deepEqual(
          stored?.results.map((result) => [
            result.scenario,
            result.status,
            result.sampling?.samples,
            result.sampling?.passes,
            result.sampling?.passRateThreshold,
          ]),
          [
            ['holds', 'passed', 3, 3, 0.6],
            ['strict', 'passed', 3, 3, 1],
          ],
        );
      } finally {
        await database.close();
      }
    });
  });

  describe('--max-tokens-total', () => {
    it('stops the run before it spends more than the limit: exit 2, the tokens spent printed, partial results stored and marked', async () => {
      const dir = path.join(temp.dir, 'budget');
      writeScenario(dir, 'holds', oneTurn('holds', 51, { validFirstTry: true }));
      const dbPath = path.join(temp.dir, 'budget.db');
      const script = {
        correct: 1,
        invalid: 0,
        slow: 0,
        slowDelayMs: 0,
        promptTokens: 400,
        completionTokens: 100,
      };
      const run = await withScriptedModel(script, async (server) => {
        const result = await cli(
          [
            ...['--mode', 'test', '--provider', 'openai', '--dir', dir, '--samples', '50'],
            ...['--concurrency', '2', '--max-tokens-total', '5000'],
          ],
          {
            ...PATIENT,
            AWF_DB_PATH: dbPath,
            AWF_MODEL_BASE_URL: server.baseUrl,
            AWF_MODEL_MAX_TOKENS: '100',
          },
        );
        return { ...result, requests: server.requests.length };
      });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      // The endpoint's own count: every call it answered cost 400 + 100.
      assert.ok(run.requests * 500 <= 5000, `${run.requests} calls of 500 tokens went over 5000`);
      assert.ok(run.requests < 50, 'the run stopped before playing every sample');
      assert.match(
        run.stdout,
        new RegExp(
          `^tokens spent: ${(400 * run.requests).toLocaleString('en-US')} in \\+ ${100 * run.requests} out = ${(500 * run.requests).toLocaleString('en-US')} of at most 5,000`,
          'm',
        ),
      );
      assert.match(
        run.stdout,
        /^stopped: the run would have spent more than --max-tokens-total 5000.*\(partial results, exit 2\)$/m,
      );
      const database = await openDatabase({ sqlitePath: dbPath });
      try {
        const [stored] = await createKyselyGoldenRunStore(database.db).listRuns();
        assert.equal(stored?.partial, true);
        assert.equal(stored?.samplesRequested, 50);
        const sampling = stored?.results[0]?.sampling;
        assert.ok(sampling && sampling.samples > 0 && sampling.samples < 50);
        assert.ok((sampling?.tokensIn ?? 0) + (sampling?.tokensOut ?? 0) <= 5000);
      } finally {
        await database.close();
      }
    });
  });

  describe('usage and input errors (exit 2, nothing played)', () => {
    const dir = path.join(temp.dir, 'usage');
    writeScenario(dir, 'holds', oneTurn('holds', 61, { validFirstTry: true }));

    it('verify and record with --provider openai: exact goldens are for the local model only', async () => {
      for (const argv of [
        ['--provider', 'openai'],
        ['--mode', 'record', '--provider', 'openai'],
      ]) {
        const run = await cli([...argv, '--dir', dir, '--no-store'], {
          AWF_MODEL_BASE_URL: 'http://127.0.0.1:9/v1',
        });
        assert.equal(run.code, 2);
        assert.match(
          run.stderr,
          /^error: --provider: (verify|record) compares exact golden files and is for the local model only \(it tests our code\); to test a real model use --mode test --provider openai; see --help\n$/,
        );
      }
    });

    it('sampling flags without --provider openai, --jobs with it, a pass rate above 1', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['--mode', 'test', '--samples', '5'], /^error: --samples: needs --mode test --provider openai/],
        [
          ['--mode', 'test', '--max-tokens-total', '100'],
          /^error: --max-tokens-total: needs --mode test --provider openai/,
        ],
        [
          ['--mode', 'test', '--provider', 'openai', '--jobs', '2'],
          /^error: --jobs: a sampled run takes --concurrency/,
        ],
        [
          ['--mode', 'test', '--provider', 'openai', '--pass-rate', '1.5'],
          /^error: --pass-rate: must be a number above 0 and at most 1/,
        ],
        [
          ['--mode', 'test', '--provider', 'openai', '--samples', '0'],
          /^error: --samples: must be a whole number from 1 to 10000/,
        ],
      ];
      for (const [argv, message] of cases) {
        const run = await cli([...argv, '--dir', dir, '--no-store'], {});
        assert.equal(run.code, 2, argv.join(' '));
        assert.match(run.stderr, message);
      }
    });

    it('model settings the server would refuse', async () => {
      const run = await cli(['--mode', 'test', '--provider', 'openai', '--dir', dir, '--no-store'], {
        AWF_MODEL_BASE_URL: 'not a url',
      });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error: AWF_MODEL_BASE_URL/);
      assert.equal(run.stdout, '');
    });

    it('a selection of only local-fault scenarios (nothing to sample)', async () => {
      const faults = path.join(temp.dir, 'faults');
      writeScenario(
        faults,
        'flaky',
        oneTurn('flaky', 71, { retried: true }, { model: { invalidRate: 0.5 } }),
      );
      const run = await cli(['--mode', 'test', '--provider', 'openai', '--dir', faults, '--no-store'], {
        AWF_MODEL_BASE_URL: 'http://127.0.0.1:9/v1',
      });
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /^error: no golden scenarios to run in faults: every selected scenario injects local-model faults/,
      );
    });
  });
});
