import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServices, type Services } from '../src/app/create-services.js';
import { parseConfig } from '../src/config/config.js';
import { type SeededActors, seedActors } from '../src/rollout/testing/control-plane.js';
import { type TestDatabase, testDatabaseTargets } from '../src/store/testing/test-databases.js';
import { runTsx as run, runAll } from './testing/run-script.js';

const _ROOT = path.resolve(import.meta.dirname, '../..');

const script = (name: string) => `backend/scripts/${name}.ts`;
const SNIPPET = 'backend/scripts/testing/seed-snippet.ts';

for (const target of testDatabaseTargets()) {
  describe(`operator truth, as processes (${target.name})`, { timeout: 240_000 }, () => {
    let database: TestDatabase;
    let services: Services;
    let actors: SeededActors;
    let store: Record<string, string>;

    before(async () => {
      database = await target.open();
      store = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath as string };
      services = await createServices(parseConfig(store), { watchRollout: false, sloTimers: false });
      actors = await seedActors(services.auth);
    });
    after(async () => {
      await services.close();
      await database.close();
    });

    /** The stored state a test starts from: flag and percent as given, no overrides. */
    const storeHolds = async (globalEnabled: boolean, percent: number) => {
      const { operator } = actors.principals;
      await services.rollout.clearAllOverrides(operator);
      await services.rollout.setRollout(operator, { globalEnabled, percent });
    };

    it("isAwfBundleEnabled gives one answer, the stored state's, in the seed's snippet run as a script", async () => {
      await storeHolds(true, 0);
      const heldAt0 = await services.turns.startSession({ seed: 7 });
      const enabled = await services.turns.startSession({ seed: 7 });
      await services.rollout.setOverride(actors.principals.operator, {
        kind: 'session',
        subjectId: enabled.sessionId,
        pipeline: 'awf',
      });
      const ready = database.url ? ['--ready'] : [];
      const [envSaysAwf, overridden, notReady] = await runAll([
        // The case: the environment says 100 % but the store holds 0: the stored percent applies.
        () =>
          run(SNIPPET, [heldAt0.sessionId, ...ready], {
            ...store,
            AWF_BUNDLE_ON: 'true',
            AWF_PERCENT_ROLLOUT: '100',
          }),
        () => run(SNIPPET, [enabled.sessionId, ...ready], store),
        () => (database.url ? run(SNIPPET, [heldAt0.sessionId], store) : Promise.resolve(undefined)),
      ]);
      assert.equal(envSaysAwf?.code, 0, envSaysAwf?.stderr);
      assert.deepEqual(JSON.parse(envSaysAwf?.stdout ?? ''), {
        before: false,
        afterLegacy: false,
        pipeline: 'legacy',
      });
      assert.equal(overridden?.code, 0, overridden?.stderr);
      assert.deepEqual(JSON.parse(overridden?.stdout ?? ''), {
        before: true,
        afterLegacy: true,
        pipeline: 'awf',
      });
      if (notReady) {
        // PostgreSQL without ready(): no answer from the environment alone, a clear error instead.
        assert.notEqual(notReady.code, 0);
        assert.equal(notReady.stdout, '');
        assert.match(notReady.stderr, /ROLLOUT_STATE_NOT_READY/);
        assert.match(notReady.stderr, /await ready\(\)/);
      }
    });

    it('a script with AWF_BUNDLE_ON or AWF_PERCENT_ROLLOUT in its environment says running servers do not see it', async () => {
      await storeHolds(true, 25);
      const token = { AWF_ADMIN_TOKEN: actors.tokens.viewer };
      const [both, none] = await runAll([
        () =>
          run(script('awf-rollout-set'), ['--status'], {
            ...store,
            ...token,
            AWF_BUNDLE_ON: 'false',
            AWF_PERCENT_ROLLOUT: '5',
          }),
        () => run(script('awf-rollout-set'), ['--status'], { ...store, ...token }),
      ]);
      assert.equal(both?.code, 0, both?.stderr);
      const notes = both?.stderr.trimEnd().split('\n') ?? [];
      assert.equal(notes.length, 2, both?.stderr);
      assert.match(notes[0] as string, /^note: AWF_BUNDLE_ON=false .*running servers do not see it/);
      assert.match(notes[0] as string, /awf-rollout-set\.ts --global off/);
      assert.match(notes[1] as string, /^note: AWF_PERCENT_ROLLOUT=5 .*running servers do not see it/);
      assert.match(notes[1] as string, /awf-rollout-set\.ts --percent 5/);
      assert.equal(none?.code, 0, none?.stderr);
      assert.equal(none?.stderr, '');
    });

    it('--clear-all prints what it removed by kind and who now lands on AWF; --only enable keeps the disables', async () => {
      await storeHolds(true, 50);
      const { operator } = actors.principals;
      const set = (kind: 'user' | 'session', subjectId: string, pipeline: 'awf' | 'legacy') =>
        services.rollout.setOverride(operator, { kind, subjectId, pipeline });
      await set('user', 'user-123', 'legacy'); // bucket 4460 < 5000
      await set('user', 'user-2', 'awf'); // bucket 9920
      await set('session', 'session-456', 'legacy'); // bucket 2605 (not stored: its own id)
      const as = { ...store, AWF_ADMIN_TOKEN: actors.tokens.operator };
      const onlyEnable = await run(
        script('awf-override'),
        ['--clear-all', '--only', 'enable', '--actor', 'ops-1'],
        as,
      );
      assert.equal(onlyEnable.code, 0, onlyEnable.stderr);
      assert.deepEqual(onlyEnable.stdout.trimEnd().split('\n').slice(1), [
        '  removed   user: 1 enable, 0 disable; session: 0 enable, 0 disable',
        '  now       1 user(s) released, 0 now on awf; 0 session(s) released, 0 now on awf (at the state right after the clear, as this process sees it)',
      ]);
      assert.match(onlyEnable.stdout, /^cleared 1 override\(s\) \(only enable overrides; 2 kept\)/);
      assert.equal(onlyEnable.stderr, '');
      const all = await run(script('awf-override'), ['--clear-all', '--actor', 'ops-1'], as);
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stdout, /removed {3}user: 0 enable, 1 disable; session: 0 enable, 1 disable/);
      assert.match(
        all.stdout,
        /1 user\(s\) released, 1 now on awf, 1 of them held on legacy by a removed disable; 1 session\(s\) released, 1 now on awf, 1 of them held on legacy/,
      );
      assert.match(
        all.stderr,
        /^warning: 2 user\(s\)\/session\(s\) held on legacy by a removed --disable override now land on AWF/,
      );
    });

    it('--explain prints bucket, threshold, override with expiry, switches, reason and pipeline', async () => {
      await storeHolds(true, 44.61);
      await services.rollout.setOverride(actors.principals.operator, {
        kind: 'session',
        subjectId: 'session-456',
        pipeline: 'legacy',
        expiresAt: new Date('2099-01-01T00:00:00Z'),
      });
      const as = { ...store, AWF_ADMIN_TOKEN: actors.tokens.viewer };
      const [user, inSession, json] = await runAll([
        () => run(script('awf-override'), ['--explain', '--user', 'user-123'], as),
        () =>
          run(script('awf-override'), ['--explain', '--user', 'user-123', '--session', 'session-456'], as),
        () => run(script('awf-override'), ['--explain', '--user', 'user-123', '--json'], as),
      ]);
      assert.equal(user?.code, 0, user?.stderr);
      const lines = user?.stdout.trimEnd().split('\n') ?? [];
      assert.equal(
        lines[0],
        'route of user user-123: awf (reason: percent_bucket: the bucket against the percentage decides)',
      );
      assert.ok(lines.includes('  emergency fallback  off  (source: default)'), user?.stdout);
      assert.ok(
        lines.some((line) =>
          line.startsWith('→ bucket              4460 (key "awf:user-123"), threshold 4461 '),
        ),
        user?.stdout,
      );
      assert.equal(inSession?.code, 0, inSession?.stderr);
      assert.match(
        inSession?.stdout ?? '',
        /^route of user user-123 in session session-456: legacy \(reason: session_override/,
      );
      assert.match(
        inSession?.stdout ?? '',
        /→ session override {4}disable \(legacy\), expires 2099-01-01T00:00:00\.000Z/,
      );
      assert.equal(json?.code, 0, json?.stderr);
      const explained = JSON.parse(json?.stdout ?? '');
      assert.deepEqual(
        [explained.bucket.value, explained.threshold, explained.pipeline],
        [4460, 4461, 'awf'],
      );
    });

    it('refuses --explain without a subject, --only without --clear-all and a bad --only: exit 2, one line', async () => {
      const as = { ...store, AWF_ADMIN_TOKEN: actors.tokens.operator };
      const runs = await runAll([
        () => run(script('awf-override'), ['--explain'], as),
        () => run(script('awf-override'), ['--list', '--only', 'enable'], as),
        () => run(script('awf-override'), ['--clear-all', '--only', 'all', '--actor', 'ops-1'], as),
      ]);
      const patterns = [
        /--explain needs --user/,
        /--only goes with --clear-all/,
        /--only: takes enable or disable/,
      ];
      runs.forEach((result, index) => {
        assert.equal(result.code, 2, result.stderr);
        assert.equal(result.stdout, '');
        const stderr = result.stderr.trimEnd().split('\n');
        assert.equal(stderr.length, 1, result.stderr);
        assert.match(stderr[0] as string, patterns[index] as RegExp);
      });
    });
  });
}
