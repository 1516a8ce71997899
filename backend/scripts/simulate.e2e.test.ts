import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runTsx } from './testing/run-script.js';

describe('backend/scripts/simulate.ts', () => {
  it('--json: one JSON object with the rollback timed from the fault, the plot written, the temporary store removed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'awf-simulate-cli-'));
    try {
      const plot = path.join(dir, 'bad-canary.svg');
      const storesBefore = readdirSync(tmpdir()).filter((name) => name.startsWith('awf-simulate-store-'));
      const run = await runTsx(
        'backend/scripts/simulate.ts',
        ['--scenario', 'bad-canary', '--days', '0.01', '--seed', '3', '--plot', plot, '--json'],
        { HOME: process.env.HOME ?? '', TMPDIR: tmpdir() },
      );
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 1, run.stdout);
      const report = JSON.parse(lines[0] as string);
      assert.deepEqual(Object.keys(report), ['scenario', 'seed', 'decisions', 'summary', 'plot']);
      assert.deepEqual([report.scenario, report.seed, report.plot], ['bad-canary', 3, plot]);
      assert.equal(report.summary.rollbacks, 1);
      assert.ok(report.summary.rollbackDecidedAfterSeconds <= 60);
      assert.ok(report.summary.rollbackAppliedAfterSeconds <= 90);
      assert.ok(readFileSync(plot, 'utf8').includes('class="marker rollback"'));
      // Progress went to stderr.
      assert.match(run.stderr, /simulated/);
      const storesAfter = readdirSync(tmpdir()).filter((name) => name.startsWith('awf-simulate-store-'));
      assert.deepEqual(
        storesAfter.filter((name) => !storesBefore.includes(name)),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the timeline as a table and the plot path last', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'awf-simulate-cli-'));
    try {
      const plot = path.join(dir, 'plot.svg');
      const run = await runTsx(
        'backend/scripts/simulate.ts',
        ['--scenario', 'bad-canary', '--days', '0.005', '--plot', plot],
        { HOME: process.env.HOME ?? '' },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^sim time\s+stage\s+action\s+reason\s+details$/m);
      assert.match(run.stdout, /rollback\s+gate_failed:fallback_rate/);
      assert.equal(run.stdout.trim().split('\n').at(-1), `plot: ${plot}`);
      assert.ok(existsSync(plot));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
