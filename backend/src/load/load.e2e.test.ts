import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client } from 'pg';

const ROOT = path.resolve(import.meta.dirname, '../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run load -- …args` as the operator runs it (tsx backend/scripts/load.ts). */
function load(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts/load.ts'), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
      },
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

const loadDirs = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('awf-load-')));

async function loadDatabases(adminUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'awf_load_%'",
    );
    return result.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

const CHECKS = [
  'turns acknowledged',
  'no acknowledged turn lost',
  'no 5xx',
  'slo counts equal the client counts',
  "slo invalid retry rate inside the injected rate's 99 % range",
  "slo fallback rate inside the injected rate's 99 % range",
  'slo p95 agrees with the client p95',
];

function assertPassed(run: Run): void {
  assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  const report = JSON.parse(run.stdout);
  assert.ok(report.summary.turns > 0);
  assert.equal(report.summary.acknowledged, report.summary.turns);
  assert.equal(report.summary.lost, 0);
  assert.equal(report.summary.status5xx, 0);
  assert.deepEqual(
    report.checks.map((check: { name: string }) => check.name),
    CHECKS,
  );
  for (const check of report.checks) assert.equal(check.ok, true, `${check.name}: ${check.detail}`);
  // The injected faults happened and the servers counted them.
  assert.ok(
    report.server.awf.retries > 0 && report.server.awf.fallbacks > 0,
    JSON.stringify(report.server.awf),
  );
  assert.match(run.stderr, /\[#+\] /, 'a progress bar on stderr');
}

describe('npm run load (a short load in CI)', { timeout: 120_000 }, () => {
  it('--instances 1 on SQLite with injected faults passes every check and removes its temp store', async () => {
    const before = loadDirs();
    const run = await load([
      '--instances',
      '1',
      '--duration',
      '3s',
      '--concurrency',
      '8',
      '--faults',
      'error=0.05,invalid=0.1',
      '--seed',
      '7',
      '--json',
    ]);
    assertPassed(run);
    assert.deepEqual(
      [...loadDirs()].filter((name) => !before.has(name)),
      [],
    );
  });

  const adminUrl = process.env.AWF_TEST_DATABASE_URL;
  it('--instances 2 on PostgreSQL passes every check and drops the database it created', {
    skip: adminUrl ? false : 'AWF_TEST_DATABASE_URL is not set',
  }, async () => {
    const url = adminUrl as string;
    const before = new Set(await loadDatabases(url));
    const run = await load([
      '--instances',
      '2',
      '--database-url',
      url,
      '--duration',
      '2s',
      '--rate',
      '60/s',
      '--faults',
      'error=0.05,invalid=0.1',
      '--seed',
      '11',
      '--json',
    ]);
    assertPassed(run);
    assert.equal(JSON.parse(run.stdout).server.instances.length, 2);
    assert.deepEqual(
      (await loadDatabases(url)).filter((name) => !before.has(name)),
      [],
    );
  });
});
