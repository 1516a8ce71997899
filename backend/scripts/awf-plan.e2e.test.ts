import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  controlPlaneFingerprint,
  seedActors,
  wireControlPlane,
} from '../src/rollout/testing/control-plane.js';
import type { Database } from '../src/store/database.js';
import { testDatabaseTargets } from '../src/store/testing/test-databases.js';
import { type Run, runAll, runScript } from './testing/run-script.js';

function assertOneErrorLine(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] as string, pattern);
}

/** The control plane plus every plan row and decision: equal before and after means nothing changed. */
async function fingerprint(database: Database): Promise<unknown> {
  return {
    plane: await controlPlaneFingerprint(database),
    plans: await database.db.selectFrom('rollout_plans').selectAll().orderBy('id').execute(),
    decisions: await database.db.selectFrom('rollout_plan_decisions').selectAll().orderBy('id').execute(),
  };
}

for (const target of testDatabaseTargets()) {
  describe(`awf-plan.ts (${target.name})`, { timeout: 240_000 }, () => {
    it('refuses bad input with one line and exit 2, changing nothing; runs a plan; refuses a manual percent unless forced, which pauses it', async () => {
      const database = await target.open();
      try {
        const store: Record<string, string> = database.url
          ? { DATABASE_URL: database.url }
          : { AWF_DB_PATH: database.sqlitePath as string };
        const plane = wireControlPlane(database);
        const { tokens } = await seedActors(plane.auth);
        const as = (role: keyof typeof tokens) => ({ ...store, AWF_ADMIN_TOKEN: tokens[role] });
        const plan =
          (args: string[], role: keyof typeof tokens = 'operator') =>
          () =>
            runScript('awf-plan', args, as(role));

        const before = await fingerprint(database);
        const bad = await runAll([
          plan(['start', '--stages', '5,abc', '--actor', 'ops-1']),
          plan(['start', '--bake', '0s', '--actor', 'ops-1']),
          plan(['start', '--on-failure', 'explode', '--actor', 'ops-1']),
          plan(['start', '--stages', '50,25', '--actor', 'ops-1']),
          plan(['start', '--min-sample', '0', '--actor', 'ops-1']),
          plan(['pause', '--actor', 'ops-1']),
          plan(['launch']),
          plan(['replay']),
          plan(['resume', '--actor', 'ops-1']),
          plan(['start', '--stages', '5,25'], 'viewer'),
          plan(['tick', '--run-goldens', '--actor', 'ops-1']),
        ]);
        assertOneErrorLine(bad[0] as Run, /^error: --stages: "abc" is not a percentage/);
        assertOneErrorLine(bad[1] as Run, /^error: --bake/);
        assertOneErrorLine(bad[2] as Run, /^error: --on-failure: takes rollback, previous or pause/);
        assertOneErrorLine(bad[3] as Run, /^error: .*stages must rise/);
        assertOneErrorLine(bad[4] as Run, /^error: --min-sample: must be a whole number/);
        assertOneErrorLine(bad[5] as Run, /^error: pause needs --reason/);
        assertOneErrorLine(bad[6] as Run, /^error: unknown command "launch"/);
        assertOneErrorLine(bad[7] as Run, /^error: replay takes one decision id/);
        assertOneErrorLine(bad[8] as Run, /^error: .*no staged plan is running or paused/);
        assertOneErrorLine(bad[9] as Run, /^error: .*rollout\.write/);
        assertOneErrorLine(bad[10] as Run, /^error: tick does not take --run-goldens/);
        assert.deepEqual(await fingerprint(database), before);

        const started = await runScript(
          'awf-plan',
          [
            'start',
            '--stages',
            '5,100',
            '--bake',
            '30s',
            '--min-sample',
            '10',
            '--run-goldens',
            '--actor',
            'ops-1',
            '--json',
          ],
          as('operator'),
        );
        assert.equal(started.code, 0, started.stderr);
        const view = JSON.parse(started.stdout).plan;
        assert.equal(view.state, 'running');
        assert.equal(view.runGoldens, true);
        assert.deepEqual(
          view.stages.map((stage: { percent: number; approval: boolean }) => [stage.percent, stage.approval]),
          [
            [5, false],
            [100, true],
          ],
        );

        const [refused, selfApproval, again, status] = await runAll([
          () => runScript('awf-rollout-set', ['--percent', '50', '--actor', 'ops-1'], as('operator')),
          plan(['approve', '--actor', 'ops-1']),
          plan(['start', '--actor', 'ops-1']),
          plan(['status', '--json'], 'viewer'),
        ]);
        assertOneErrorLine(
          refused as Run,
          /^error: refusing to set the rollout percentage while staged plan .* runs/,
        );
        assertOneErrorLine(selfApproval as Run, /^error: ops-1 started this plan and cannot approve it/);
        assertOneErrorLine(
          again as Run,
          /^error: staged plan .* is running: abort it before starting another/,
        );
        assert.equal((status as Run).code, 0, (status as Run).stderr);
        assert.equal(JSON.parse((status as Run).stdout).plan.state, 'running');
        assert.equal((await plane.rollout.readState()).percent, 5);

        const [approved, tick] = await runAll(
          [plan(['approve', '--actor', 'admin'], 'admin'), plan(['tick', '--actor', 'ops-1'])],
          1,
        );
        assert.equal((approved as Run).code, 0, (approved as Run).stderr);
        assert.equal((tick as Run).code, 0, (tick as Run).stderr);
        assert.match((tick as Run).stdout, /hold \(global_flag_off\)/);
        // With --run-goldens the tick started the golden suite, and the script waited for it before exiting:
        // the run is stored, as the controller's, for the next tick to judge.
        const goldenRuns = await database.db
          .selectFrom('golden_runs')
          .select(['run_id', 'source'])
          .distinct()
          .execute();
        assert.deepEqual(
          goldenRuns.map((run) => run.source),
          ['plan-controller'],
        );

        const forced = await runScript(
          'awf-rollout-set',
          ['--percent', '50', '--force', '--reason', 'hand-tuning', '--actor', 'ops-1'],
          as('operator'),
        );
        assert.equal(forced.code, 0, forced.stderr);
        assert.equal((await plane.rollout.readState()).percent, 50);
        const paused = await plane.audit.query({ action: 'plan.paused' });
        assert.equal(paused.length, 1);
        assert.equal(paused[0]?.actor, 'ops-1');
        const explain = await runScript('awf-plan', ['explain'], as('viewer'));
        assert.equal(explain.code, 0, explain.stderr);
        assert.match(explain.stdout, /hold \(global_flag_off\)/);
      } finally {
        await database.close();
      }
    });
  });
}
