import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuditLogger } from '../src/audit/audit-logger.js';
import { createAuthService } from '../src/auth/auth-service.js';
import { createKyselyAuthStore } from '../src/auth/kysely-auth-store.js';
import { createSloService, type SloService } from '../src/slos/awf-slos.js';
import { createKyselySloStore } from '../src/slos/kysely-slo-store.js';
import { type Database, openDatabase } from '../src/store/database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'awf-slo-status-'));
const dbPath = path.join(dir, 'awf.db');
// Removed once every suite of this file is done: the alerting suite's store lives in it too.
after(() => rmSync(dir, { recursive: true, force: true }));

let viewerToken = '';

const sloStatus = (args: string[], token: string = viewerToken, sqlitePath: string = dbPath) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'backend/scripts/slo-status.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        AWF_DB_PATH: sqlitePath,
        ...(token ? { AWF_ADMIN_TOKEN: token } : {}),
      },
    },
  );

/** A store at `sqlitePath` with a viewer token for the gate and an SLO service judging at `minSample`. */
async function openStore(sqlitePath: string, minSample: number) {
  const database = await openDatabase({ sqlitePath });
  const auth = createAuthService({
    database,
    store: createKyselyAuthStore(),
    audit: createAuditLogger({ database }),
  });
  const admin = await auth.addFirstAdmin({ name: 'root', via: 'cli' });
  const principal = { actor: admin.actor, role: admin.role, tokenId: admin.tokenId };
  const token = (await auth.addActor(principal, { name: 'deploy-gate', role: 'viewer' })).token;
  const slos = createSloService({
    store: createKyselySloStore(database),
    thresholds: { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 },
    settings: {
      evaluationWindow: '5m',
      evaluationIntervalMs: 0,
      flushIntervalMs: 0,
      minSample,
      resolveHysteresisPct: 10,
      retentionDays: 30,
    },
    instanceId: 'e2e',
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  return { database, slos, token };
}

describe('tsx backend/scripts/slo-status.ts', () => {
  let database: Database;
  let slos: SloService;

  before(async () => {
    ({ database, slos, token: viewerToken } = await openStore(dbPath, 100));
  });
  after(async () => {
    await slos.close();
    await database.close();
  });

  const playAwf = async (count: number, fellBack: number) => {
    for (let i = 0; i < count; i++) {
      slos.recordTurn({ pipeline: 'awf', latencyMs: 1500, retried: false, fallback: i < fellBack });
    }
    await slos.flush();
  };

  it('prints every SLO as ok and exits 0 while they hold', async () => {
    await playAwf(150, 0);
    const run = sloStatus([]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^AWF SLO status, window 5m /);
    for (const title of ['turn latency p95', 'invalid retry rate', 'fallback rate']) {
      assert.match(run.stdout, new RegExp(`^${title} .* ok +150 AWF turns$`, 'm'));
    }
  });

  it('exits 1 once the fallback rate is violated, and shows the firing alert with its suggested actions', async () => {
    await playAwf(150, 10);
    await slos.evaluate();
    const run = sloStatus(['--window', '1h']);
    assert.equal(run.status, 1, run.stderr);
    // 1.31 %: the Wilson lower bound of 10 in 300 at one-sided 99.9 % (z = 3.0902), worked out by hand.
    assert.match(
      run.stdout,
      /^fallback rate +3\.33 % +1\.31 % \(99\.9 %\) +1\.00 % +critical +300 AWF turns$/m,
    );
    assert.match(run.stdout, /Alerts firing: 1\n {2}\[critical\] fallback rate since/);
    assert.match(run.stdout, /1\. Investigate consecutive validation failures/);
  });

  it('--json prints one JSON object and keeps the exit code', () => {
    const run = sloStatus(['--json', '--window', '24h']);
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.status, 'violated');
    assert.equal(report.window, '24h');
    assert.deepEqual(report.instances, ['e2e']);
    assert.equal(report.alerts[0].slo, 'fallback_rate');
  });

  it('rejects a bad --window with one line on stderr and exit 2', () => {
    const run = sloStatus(['--window', '2w']);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'error: --window: must be one of 5m, 1h, 24h, 7d (got "2w"); see --help\n');
  });

  it('refuses to read without a token, with one line and exit 2', () => {
    const run = sloStatus([], '');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: no token: set AWF_ADMIN_TOKEN[^\n]*\n$/);
  });

  it('--help prints the usage and exits 0', () => {
    const run = sloStatus(['--help']);
    assert.equal(run.status, 0);
    assert.match(
      run.stdout,
      /^Usage: tsx backend\/scripts\/slo-status\.ts \[--window 5m\|1h\|24h\|7d\] \[--json\]/,
    );
  });
});

describe('tsx backend/scripts/slo-status.ts while an alert is open', () => {
  const alertingDbPath = path.join(dir, 'alerting.db');
  let store: Awaited<ReturnType<typeof openStore>>;

  before(async () => {
    // The server judges with SLO_MIN_SAMPLE=20; the gate runs with the default 100.
    store = await openStore(alertingDbPath, 20);
  });
  after(async () => {
    await store.slos.close();
    await store.database.close();
  });

  it('exits 1 even when the gate has too few turns to judge, and says the open alert is why', async () => {
    for (let i = 0; i < 40; i++) {
      store.slos.recordTurn({ pipeline: 'awf', latencyMs: 1500, retried: false, fallback: i < 10 });
    }
    const report = await store.slos.evaluate();
    assert.deepEqual(
      report.alerts.map((alert) => alert.slo),
      ['fallback_rate'],
    );
    const run = sloStatus([], store.token, alertingDbPath);
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stdout,
      /^fallback rate +25\.00 % +10\.21 % \(99\.9 %\) +1\.00 % +not enough data \(< 100 turns\) +40 AWF turns$/m,
    );
    assert.match(run.stdout, /Alerts firing: 1\n {2}\[critical\] fallback rate since/);
    assert.match(
      run.stdout,
      /^Result: alert firing: fallback rate \(critical\) since \S+; no SLO violated over 5m, 3 not judged \(fewer than 100 AWF turns in the window\); failing until the alert resolves$/m,
    );
    const json = JSON.parse(sloStatus(['--json'], store.token, alertingDbPath).stdout);
    assert.equal(json.status, 'alerting');
  });
});
