import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  controlPlaneFingerprint,
  seedActors,
  wireControlPlane,
} from '../src/rollout/testing/control-plane.js';
import { type Database, openDatabase } from '../src/store/database.js';
import { type Run, runAll, runTsx as runScript } from './testing/run-script.js';

const _ROOT = path.resolve(import.meta.dirname, '../..');

/** Exactly one stderr line matching `line`, nothing on stdout, exit `code`. */
function assertOneLine(run: Run, code: number, line: RegExp, what: string): void {
  assert.equal(run.code, code, `${what}: exit ${run.code}\n${run.stderr}`);
  assert.equal(run.stdout, '', `${what}: printed to stdout`);
  assert.equal(run.stderr.split('\n').length, 2, `${what}: not exactly one line:\n${run.stderr}`);
  assert.match(run.stderr, line, what);
}

describe('every script and runner refuses a repeated flag: exit 2, one line, nothing changed', {
  timeout: 120_000,
}, () => {
  let dir: string;
  let database: Database;
  let adminToken: string;
  let sqlite: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'awf-cli-usage-'));
    const sqlitePath = path.join(dir, 'awf.db');
    database = await openDatabase({ sqlitePath });
    adminToken = (await seedActors(wireControlPlane(database).auth)).tokens.admin;
    sqlite = { AWF_DB_PATH: sqlitePath };
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the admin scripts, with an admin token, leave the store as it was (not even an auth.denied entry)', async () => {
    const admin = { ...sqlite, AWF_ADMIN_TOKEN: adminToken };
    const cases: Array<[what: string, script: string, args: string[], line: RegExp]> = [
      [
        'awf-actors add x1 --role viewer --role admin (used to create an admin)',
        'backend/scripts/awf-actors.ts',
        ['add', 'x1', '--role', 'viewer', '--role', 'admin'],
        /^error: --role: given more than once; give it once; see --help\n$/,
      ],
      [
        'awf-rollout-set --percent 25 --percent 30 (used to set 30)',
        'backend/scripts/awf-rollout-set.ts',
        ['--percent', '25', '--percent', '30', '--actor', 'admin'],
        /^error: --percent: given more than once; give it once; see --help\n$/,
      ],
      [
        'awf-override --user a --user b --enable (used to override b)',
        'backend/scripts/awf-override.ts',
        ['--user', 'a', '--user', 'b', '--enable', '--actor', 'admin'],
        /^error: --user: given more than once; give it once; see --help\n$/,
      ],
      [
        'audit-logs --limit 5 --limit 6',
        'backend/scripts/audit-logs.ts',
        ['--recent', '--limit', '5', '--limit', '6'],
        /^error: --limit: given more than once; give it once; see --help\n$/,
      ],
      [
        'slo-status --window 1h --window 5m',
        'backend/scripts/slo-status.ts',
        ['--window', '1h', '--window', '5m'],
        /^error: --window: given more than once; give it once; see --help\n$/,
      ],
      [
        'awf-feedback --recent --rating up --rating down',
        'backend/scripts/awf-feedback.ts',
        ['--recent', '--rating', 'up', '--rating', 'down'],
        /^error: --rating: given more than once; give it once; see --help\n$/,
      ],
    ];
    const before = await controlPlaneFingerprint(database);
    const auditRows = async () => (await database.db.selectFrom('audit_log').select('seq').execute()).length;
    const rowsBefore = await auditRows();
    const runs = await runAll(
      cases.map(
        ([, script, args]) =>
          () =>
            runScript(script, args, admin),
      ),
    );
    runs.forEach((run, i) => {
      const [what, , , line] = cases[i] as (typeof cases)[number];
      assertOneLine(run, 2, line, what);
    });
    assert.deepEqual(await controlPlaneFingerprint(database), before, 'a rejected command changed state');
    assert.equal(await auditRows(), rowsBefore, 'a rejected command wrote an audit entry');
  });

  it('slo-rules, the goldens runner and play write nothing and open no store', async () => {
    const fresh = path.join(dir, 'untouched');
    const env = { AWF_DB_PATH: path.join(fresh, 'awf.db'), CI: 'true' };
    const [rules, goldens, play] = await runAll([
      () =>
        runScript(
          'backend/scripts/slo-rules.ts',
          ['--out', path.join(fresh, 'a'), '--out', path.join(fresh, 'b')],
          env,
        ),
      () => runScript('backend/src/goldens/runner.ts', ['--mode', 'test', '--mode', 'verify'], env),
      () => runScript('backend/scripts/play.ts', ['--seed', '1', '--seed', '2'], env),
    ]);
    assertOneLine(
      rules as Run,
      2,
      /^error: --out: given more than once; give it once; see --help\n$/,
      'slo-rules',
    );
    assertOneLine(
      goldens as Run,
      2,
      /^error: --mode: given more than once; give it once; see --help\n$/,
      'runner',
    );
    assertOneLine(
      play as Run,
      2,
      /^error: --seed: given more than once; give it once; see --help\n$/,
      'play',
    );
    assert.equal(
      existsSync(fresh),
      false,
      `something was written: ${existsSync(fresh) ? readdirSync(fresh) : ''}`,
    );
  });
});

describe('a store that cannot be reached: one line, exit 3 (never 1, the gate’s "violated")', {
  timeout: 60_000,
}, () => {
  it('awf-override --list and slo-status print one error line without a stack', async () => {
    const unreachable = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      AWF_ADMIN_TOKEN: `awf_0123456789ab_${'A'.repeat(43)}`,
    };
    const [override, status] = await runAll([
      () => runScript('backend/scripts/awf-override.ts', ['--list'], unreachable),
      () => runScript('backend/scripts/slo-status.ts', ['--window', '1h'], unreachable),
    ]);
    for (const [what, run] of [
      ['awf-override --list', override],
      ['slo-status', status],
    ] as const) {
      assertOneLine(run as Run, 3, /^error: .*ECONNREFUSED.*\n$/, what);
      assert.doesNotMatch((run as Run).stderr, /\n\s+at /, `${what}: printed a stack`);
    }
  });
});
