import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type HistoryStore,
  MINUTE,
  openHistoryStore,
  seedReadyHistory,
} from '../src/decommission/testing/decommission-history.js';
import { controlPlaneFingerprint } from '../src/rollout/testing/control-plane.js';
import { testDatabaseTargets } from '../src/store/testing/test-databases.js';
import { runAll, runScript } from './testing/run-script.js';

/** The subprocess reads the real clock: the seeded history ends a minute before the test started. */
const NOW = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;

/** Where the store is, for the subprocess: the history store's own DATABASE_URL / AWF_DB_PATH. */
const storeEnv = (store: HistoryStore): Record<string, string> =>
  store.env.DATABASE_URL
    ? { DATABASE_URL: store.env.DATABASE_URL }
    : { AWF_DB_PATH: store.env.AWF_DB_PATH as string };

for (const target of testDatabaseTargets()) {
  describe(`tsx backend/scripts/awf-decommission.ts on ${target.name}`, { timeout: 300_000 }, () => {
    let ready: HistoryStore;
    let empty: HistoryStore;
    before(async () => {
      ready = await openHistoryStore(target, NOW);
      await seedReadyHistory(ready, NOW);
      empty = await openHistoryStore(target, NOW);
    });
    after(async () => {
      await ready?.close();
      await empty?.close();
    });

    it('check exits 0 on a store whose history meets every prerequisite, and --json says ready', async () => {
      const env = { ...storeEnv(ready), AWF_ADMIN_TOKEN: ready.tokens.auditor };
      const [text, json] = await runAll([
        () => runScript('awf-decommission', ['check'], env),
        () => runScript('awf-decommission', ['check', '--json'], env),
      ]);
      assert.equal(text?.code, 0, `${text?.stdout}${text?.stderr}`);
      assert.match(text?.stdout ?? '', /^✔ full_rollout: 100 % with the global flag on since /m);
      assert.match(text?.stdout ?? '', /^Result: ready: every prerequisite holds/m);
      assert.equal(json?.code, 0, json?.stderr);
      assert.equal(JSON.parse(json?.stdout ?? '').ready, true);
    });

    it('check exits 1 on a fresh store, with a ✘ line for what is missing', async () => {
      const run = await runScript('awf-decommission', ['check'], {
        ...storeEnv(empty),
        AWF_ADMIN_TOKEN: empty.tokens.operator,
      });
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        /^✘ full_rollout: the stored rollout is not 100 % with the global flag on: percent unset, global flag unset/m,
      );
      assert.match(run.stdout, /^✘ goldens_passing: 0 full golden verify run\(s\) stored/m);
      assert.match(run.stdout, /^✔ audit_chain: /m);
      assert.match(run.stdout, /^Result: not ready: 4 of 7 prerequisites unmet /m);
    });

    it('bad input exits 2 with one line and changes nothing; a missing or viewer token is refused with only an auth.denied entry', async () => {
      const before = await controlPlaneFingerprint(empty.services.database);
      const env = { ...storeEnv(empty), AWF_ADMIN_TOKEN: empty.tokens.admin };
      const cases: Array<[string[], RegExp, Record<string, string>?]> = [
        [[], /^error: give a command: check; see --help\n$/],
        [['remove'], /^error: unknown command "remove": use check; see --help\n$/],
        [['check', 'now'], /^error: unexpected argument "now"; see --help\n$/],
        [
          ['check', '--days', '0'],
          /^error: --days: must be above 0 and at most 3650, got "0"; see --help\n$/,
        ],
        [
          ['check', '--days', '-7'],
          /^error: --days: must be a number of days above 0, got "-7"; see --help\n$/,
        ],
        [
          ['check', '--days', 'week'],
          /^error: --days: must be a number of days above 0, got "week"; see --help\n$/,
        ],
        [
          ['check', '--golden-runs', '0'],
          /^error: --golden-runs: must be from 1 to 100, got "0"; see --help\n$/,
        ],
        [
          ['check', '--golden-runs', '2.5'],
          /^error: --golden-runs: must be a whole number, got "2\.5"; see --help\n$/,
        ],
        [['check', '--json', '--json'], /^error: --json: given more than once; give it once; see --help\n$/],
        [['check', '--window', '7d'], /^error: --window: unknown flag; see --help\n$/],
        [['check'], /^error: no token: set AWF_ADMIN_TOKEN[^\n]*\n$/, { AWF_ADMIN_TOKEN: '' }],
        [['check'], /^error: [^\n]*audit\.read[^\n]*\n$/, { AWF_ADMIN_TOKEN: empty.tokens.viewer }],
      ];
      const runs = await runAll(
        cases.map(
          ([args, , extra]) =>
            () =>
              runScript('awf-decommission', args, { ...env, ...extra }),
        ),
      );
      for (const [i, [args, line]] of cases.entries()) {
        const run = runs[i];
        assert.equal(run?.code, 2, `${args.join(' ')}: ${run?.stderr}`);
        assert.equal(run?.stdout, '', args.join(' '));
        assert.match(run?.stderr ?? '', line, args.join(' '));
      }
      assert.deepEqual(await controlPlaneFingerprint(empty.services.database), before);
      const denied = await empty.services.audit.query({ action: 'auth.denied' });
      assert.deepEqual(denied.map((entry) => [entry.actor, entry.details.permission]).sort(), [
        ['anonymous', 'audit.read'],
        ['viewer-1', 'audit.read'],
      ]);
    });
  });
}

describe('tsx backend/scripts/awf-decommission.ts without its store', () => {
  it('exits 3 with one line when the store cannot be reached (never 1, "not ready")', async () => {
    const run = await runScript('awf-decommission', ['check'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      AWF_ADMIN_TOKEN: 'x'.repeat(43),
    });
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.split('\n').length, 2, run.stderr);
  });

  it('--help prints the usage and touches nothing', async () => {
    const run = await runScript('awf-decommission', ['--help'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Usage: tsx backend\/scripts\/awf-decommission\.ts check \[--days N\] \[--golden-runs N\] \[--json\]/,
    );
  });
});
