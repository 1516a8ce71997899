import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../store/database.js';
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
});
