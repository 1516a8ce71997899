import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { seedActors, wireControlPlane } from '../src/rollout/testing/control-plane.js';
import { testDatabaseTargets } from '../src/store/testing/test-databases.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx backend/scripts/awf-retention.ts ...args` in one process, with only `env`. */
function retention(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts/awf-retention.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
    );
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

function assertOneErrorLine(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] as string, pattern);
}

for (const target of testDatabaseTargets()) {
  describe(`awf-retention.ts (${target.name})`, { timeout: 120_000 }, () => {
    it('shows the policy, sets it as an admin (audited) and counts what a prune would remove; refuses mistakes with one line, exit 2', async () => {
      const database = await target.open();
      try {
        const store: Record<string, string> = database.url
          ? { DATABASE_URL: database.url }
          : { AWF_DB_PATH: database.sqlitePath as string };
        const plane = wireControlPlane(database);
        const { tokens } = await seedActors(plane.auth);
        const as = (role: keyof typeof tokens, extra: Record<string, string> = {}) => ({
          ...store,
          AWF_ADMIN_TOKEN: tokens[role],
          ...extra,
        });

        const [show, forbidden, tooShort, unknown, noCommand] = await Promise.all([
          retention(['show'], as('auditor', { SLO_RETENTION_DAYS: '45' })),
          retention(['set', '--slo-days', '60'], as('operator')),
          retention(['set', '--slo-days', '3', '--actor', 'admin'], as('admin')),
          retention(['drop'], as('admin')),
          retention([], as('admin')),
        ]);
        assert.equal(show.code, 0, show.stderr);
        assert.match(
          show.stdout,
          /SLO aggregates, history, resolved alerts {2}45 days {2}\(SLO_RETENTION_DAYS/,
        );
        assert.match(show.stdout, /turn records +forever/);
        assert.match(show.stdout, /audit log +forever \(never deleted\)/);
        assertOneErrorLine(forbidden, /^error: .*ops-1.*retention\.manage/);
        assertOneErrorLine(tooShort, /^error: --slo-days: must be an integer from 7 to 3650/);
        assertOneErrorLine(unknown, /^error: unknown command "drop": use show, set or prune; see --help$/);
        assertOneErrorLine(noCommand, /^error: give a command: show, set or prune; see --help$/);
        assert.equal((await plane.audit.query({ action: 'retention.set' })).length, 0);

        const set = await retention(
          ['set', '--slo-days', '60', '--turn-days', '90', '--actor', 'admin'],
          as('admin'),
        );
        assert.equal(set.code, 0, set.stderr);
        assert.match(
          set.stdout,
          /^retention: SLO data 30 days → 60 days, turns forever → 90 days \(audit #\d+\)\n$/,
        );
        const [entry] = await plane.audit.query({ action: 'retention.set' });
        assert.deepEqual(entry?.details, {
          previous: { sloDays: 30, turnDays: null },
          new: { sloDays: 60, turnDays: 90 },
        });

        const [dryRun, json] = await Promise.all([
          retention(['prune', '--dry-run'], as('auditor')),
          retention(['show', '--json'], as('admin')),
        ]);
        assert.equal(dryRun.code, 0, dryRun.stderr);
        assert.match(dryRun.stdout, /^dry run: would remove\n {2}0 SLO minute rows/);
        assert.equal(json.code, 0, json.stderr);
        assert.deepEqual(
          [JSON.parse(json.stdout).sloDays.value, JSON.parse(json.stdout).turnDays.value],
          [60, 90],
        );
      } finally {
        await database.close();
      }
    });
  });
}
