import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../src/app/testing/test-services.js';
import {
  controlPlaneFingerprint,
  type SeededActors,
  seedActors,
} from '../src/rollout/testing/control-plane.js';
import { createKyselySloStore } from '../src/slos/kysely-slo-store.js';
import { runScript as runSeedScript } from './testing/run-script.js';

const runScript = (script: string, args: readonly string[], sqlitePath: string, token: string) =>
  runSeedScript(script, args, { AWF_DB_PATH: sqlitePath, AWF_ADMIN_TOKEN: token });
const _ROOT = path.resolve(import.meta.dirname, '../..');

/** The rollout at 25 % with the flag on, and the process's services and actors. */
async function startAt25(): Promise<{ services: TestServices; actors: SeededActors }> {
  const services = await createTestServices({}, { watchRollout: false, sloTimers: false });
  const actors = await seedActors(services.auth);
  await services.rollout.setRollout(actors.principals.operator, { globalEnabled: true, percent: 25 });
  return { services, actors };
}

describe('tsx backend/scripts/awf-rollout-set.ts while a critical SLO alert is open', {
  timeout: 120_000,
}, () => {
  let services: TestServices;
  let actors: SeededActors;
  before(async () => {
    ({ services, actors } = await startAt25());
    await createKyselySloStore(services.database).fireAlert({
      id: 'alert-7',
      slo: 'fallback_rate',
      severity: 'critical',
      window: '5m',
      threshold: 1,
      firedValue: 4.2,
      firedSample: 300,
      firedAt: '2026-06-01T11:50:00.000Z',
      firedBy: 'web-1',
    });
  });
  after(async () => {
    await services.dispose();
  });
  const rolloutSet = (args: string[]) =>
    runScript('awf-rollout-set', args, services.sqlitePath, actors.tokens.operator);

  it('refuses a raise with one error line and exit 2, changing nothing; --force needs --reason', async () => {
    const before = await controlPlaneFingerprint(services.database);
    const [raise, flagAndPercent, noReason, reasonAlone] = await Promise.all([
      rolloutSet(['--percent', '50']),
      rolloutSet(['--global', 'on', '--percent', '26']),
      rolloutSet(['--percent', '50', '--force']),
      rolloutSet(['--percent', '50', '--reason', 'why']),
    ]);
    for (const run of [raise, flagAndPercent, noReason, reasonAlone]) {
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    }
    assert.match(
      raise.stderr,
      /^error: refusing to raise the rollout \(percent 25 → 50\) while a critical SLO alert is open: fallback_rate \(alert alert-7, since 2026-06-01T11:50:00\.000Z\); .*--force --reason/,
    );
    assert.match(flagAndPercent.stderr, /refusing to raise the rollout \(percent 25 → 26\)/);
    assert.equal(noReason.stderr, 'error: --force: needs --reason "why"; see --help\n');
    assert.equal(reasonAlone.stderr, 'error: --reason: goes with --force; see --help\n');
    assert.deepEqual(await controlPlaneFingerprint(services.database), before);
  });

  it('--force --reason raises, warns, and audits the change as forced with the reason and the alert id', async () => {
    const run = await rolloutSet(['--percent', '40', '--force', '--reason', 'provider incident 42, not AWF']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^rollout percent 25 → 40 \(version \d+, audit #\d+\)$/m);
    assert.match(
      run.stderr,
      /^warning: forced past open critical SLO alert\(s\) alert-7; audited as forced$/m,
    );
    const [entry] = await services.audit.getRecentLogs(1);
    assert.deepEqual(
      [entry?.action, entry?.details.forced, entry?.details.reason, entry?.details.alertIds],
      ['rollout.percent.set', true, 'provider incident 42, not AWF', ['alert-7']],
    );
  });
});

describe('a rollback confirmed by slo-status', { timeout: 120_000 }, () => {
  let services: TestServices;
  let actors: SeededActors;
  before(async () => {
    ({ services, actors } = await startAt25());
  });
  after(async () => {
    await services.dispose();
  });
  const run = (script: string, args: string[]) =>
    runScript(script, args, services.sqlitePath, actors.tokens.operator);

  it('fire a fallback alert, set --percent 0: one evaluation later slo-status exits 0 and says rolled back', async () => {
    // 150 AWF turns, 10 falling back: 6.67 % > 1 %, critical.
    for (let i = 0; i < 150; i++) {
      services.slos.recordTurn({ pipeline: 'awf', latencyMs: 1500, retried: false, fallback: i < 10 });
    }
    const fired = await services.slos.evaluate();
    assert.deepEqual(
      fired.alerts.map((alert) => alert.slo),
      ['fallback_rate'],
    );

    const rollback = await run('awf-rollout-set', ['--percent', '0']);
    assert.equal(rollback.code, 0, rollback.stderr);
    const pending = await run('slo-status', []);
    assert.equal(pending.code, 1, pending.stdout);
    assert.match(
      pending.stdout,
      /^Result: violated: fallback rate \(critical\); alert firing: fallback rate \(critical\)$/m,
    );
    assert.match(pending.stdout, /^Rollout: routes nobody to AWF \(percent 0;/m);

    const evaluated = await services.slos.evaluate();
    assert.deepEqual(evaluated.alerts, []);
    const [text, json, list] = await Promise.all([
      run('slo-status', []),
      run('slo-status', ['--json']),
      run('awf-override', ['--list']),
    ]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(
      text.stdout,
      /^Result: rolled back: the rollout routes nobody to AWF \(percent 0, version \d+ since \S+\), 0 AWF turns since; alert resolved as rolled_back: fallback_rate at \S+; violated over 5m by the turns before it: fallback rate \(critical\)$/m,
    );
    assert.match(
      text.stdout,
      /^Rollout: routes nobody to AWF \(percent 0; version \d+ by ops-1 at \S+\); AWF turns since the last rollout change: 0$/m,
    );
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.status, 'rolled_back');
    assert.deepEqual([report.rollout.routesNobodyToAwf, report.rollout.awfTurnsSinceChange], [true, 0]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /^AWF turns since the last rollout change \(version \d+ at \S+\): 0; routes nobody to AWF \(percent 0\)$/m,
    );
    const [alert] = await createKyselySloStore(services.database).listAlerts('2000-01-01T00:00:00.000Z');
    assert.equal(alert?.resolvedReason, 'rolled_back');
  });
});
