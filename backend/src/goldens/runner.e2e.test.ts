import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadContent } from '../content/content-loader.js';
import { scriptedChatHandler, startFakeChatServer } from '../model/testing/fake-chat-server.js';
import { openDatabase } from '../store/database.js';
import { DEFAULT_CONTENT_DIR } from './cli-options.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';
import { gladeScenario, tempScenarioDir, writeScenario } from './testing/golden-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const temp = tempScenarioDir();
after(() => temp.remove());

/** `tsx backend/src/goldens/runner.ts …` from the repository root, as the seed runs it. */
function runner(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['backend/src/goldens/runner.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AWF_DB_PATH: path.join(temp.dir, 'awf.db'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('tsx backend/src/goldens/runner.ts', { concurrency: true }, () => {
  it("--scenario first-meet-kiera (the seed's command) verifies the committed golden, exits 0 and stores the result", async () => {
    const run = await runner(['--scenario', 'first-meet-kiera']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^first-meet-kiera\s+awf\s+1\s+passed\s+\d+(?:\.\d+)? m?s$/m);
    assert.match(run.stdout, /^first-meet-kiera \[legacy\]\s+legacy\s+1\s+passed/m);
    assert.match(run.stdout, /mode verify \(partial run\): 2 passed/);
    const database = await openDatabase({ sqlitePath: path.join(temp.dir, 'awf.db') });
    try {
      const [stored] = await createKyselyGoldenRunStore(database.db).listRuns();
      assert.equal(stored?.fullRun, false);
      assert.deepEqual(
        stored?.results.map((result) => [result.scenario, result.pipeline, result.status]),
        [
          ['first-meet-kiera', 'awf', 'passed'],
          ['first-meet-kiera', 'legacy', 'passed'],
        ],
      );
    } finally {
      await database.close();
    }
  });

  it('a malformed scenario exits 2 with one line naming file and JSON path', async () => {
    const dir = path.join(temp.dir, 'malformed');
    writeScenario(
      dir,
      'broken',
      gladeScenario('broken', { turns: [{ input: 'look', expect: { mustInclde: ['x'] } }] }),
    );
    const run = await runner(['--dir', dir, '--no-store']);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^error: .*malformed\/broken\.json: \$\.turns\[0\]\.expect\.mustInclde: unknown expectation "mustInclde" \(known: .*\)\n$/,
    );
    assert.equal(run.stdout, '');
  });

  it('with CI=true, --mode record exits 2 and writes nothing', async () => {
    const dir = path.join(temp.dir, 'ci');
    writeScenario(dir, 'glade-walk', gladeScenario('glade-walk'));
    const run = await runner(['--dir', dir, '--mode', 'record', '--no-store'], { CI: 'true' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: refusing to record golden files while CI=true/);
    assert.deepEqual(readdirSync(dir), ['glade-walk.json']);
  });

  it('record then verify: a clean round trip', async () => {
    const dir = path.join(temp.dir, 'cycle');
    writeScenario(dir, 'glade-walk', gladeScenario('glade-walk'));
    const recorded = await runner(['--dir', dir, '--mode', 'record', '--no-store']);
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /^glade-walk\s+awf\s+2\s+written/m);
    const verified = await runner(['--dir', dir, '--no-store']);
    assert.equal(verified.code, 0, verified.stdout);
    assert.match(verified.stdout, /mode verify \(full run\): 1 passed/);
    assert.deepEqual(readdirSync(dir).sort(), ['glade-walk.golden.json', 'glade-walk.json']);
  });

  it('--mode test --provider openai --samples 5 samples the whole suite against an OpenAI-compatible endpoint: table and stored run', async () => {
    const server = await startFakeChatServer(
      scriptedChatHandler({
        content: loadContent(DEFAULT_CONTENT_DIR),
        correct: 1,
        invalid: 0,
        slow: 0,
        slowDelayMs: 0,
      }),
    );
    const dbPath = path.join(temp.dir, 'sampled.db');
    let run: Awaited<ReturnType<typeof runner>>;
    try {
      run = await runner(['--mode', 'test', '--provider', 'openai', '--samples', '5'], {
        AWF_DB_PATH: dbPath,
        AWF_MODEL_BASE_URL: server.baseUrl,
        AWF_MODEL_NAME: 'scripted-narrator',
        AWF_MODEL_TIMEOUT_MS: '120000',
      });
    } finally {
      await server.close();
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^scenario\s+pass rate\s+95 % interval\s+needs\s+valid 1st try\s+retries\s+fallbacks\s+p95\s+tokens in\/out\s+result$/m,
    );
    assert.match(run.stdout, /^first-meet-kiera\s+5\/5 100 %\s+56\.6–100 %\s+90 %/m);
    assert.match(run.stdout, /^legacy-numbered-choices \[legacy\]\s+5\/5 100 %/m);
    assert.match(run.stdout, /^resilience-timeout\s.*skipped \(local faults\)$/m);
    assert.match(
      run.stdout,
      /sampled 5× against openai scripted-narrator, pass rate ≥ 90 % unless a scenario sets its own: \d+ passed, 5 skipped$/m,
    );
    assert.match(
      run.stdout,
      /^tokens spent: [\d,]+ in \+ [\d,]+ out = [\d,]+ · valid on first try \d+\/\d+/m,
    );
    const database = await openDatabase({ sqlitePath: dbPath });
    try {
      const [stored] = await createKyselyGoldenRunStore(database.db).listRuns();
      assert.equal(stored?.mode, 'test');
      assert.equal(stored?.fullRun, true);
      assert.equal(stored?.partial, false);
      assert.equal(stored?.samplesRequested, 5);
      assert.deepEqual(stored?.models, {
        awf: { provider: 'openai', name: 'scripted-narrator' },
        legacy: { provider: 'openai', name: 'scripted-narrator' },
      });
      assert.ok((stored?.results.length ?? 0) >= 10);
      for (const result of stored?.results ?? []) {
        assert.equal(result.status, 'passed', result.failure);
        assert.deepEqual([result.sampling?.samples, result.sampling?.passes], [5, 5]);
        assert.ok(!result.scenario.startsWith('resilience-'), 'skipped scenarios are not stored');
      }
    } finally {
      await database.close();
    }
  });
});
