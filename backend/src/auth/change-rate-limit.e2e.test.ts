import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Run, runScript } from '../../scripts/testing/run-script.js';
import { createTestServices } from '../app/testing/test-services.js';
import { parseConfig } from '../config/config.js';
import { type SeededActors, seedActors, wireControlPlane } from '../rollout/testing/control-plane.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';

const _ROOT = path.resolve(import.meta.dirname, '../../..');

/** What a caller who wants a higher limit for themselves puts in the script's environment. */
const RAISED = { AWF_CHANGE_RATE_LIMIT: '100000', AWF_CHANGE_RATE_WINDOW_S: '1' };

for (const target of testDatabaseTargets()) {
  describe(`the change rate limit (${target.name})`, { timeout: 180_000 }, () => {
    let database: TestDatabase;
    let actors: SeededActors;
    let store: Record<string, string>;

    before(async () => {
      database = await target.open();
      store = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath as string };
      actors = await seedActors(wireControlPlane(database).auth);
    });
    after(async () => {
      await database.close();
    });

    it('is the stored setting: an admin changes it (audited), an operator cannot, and a caller cannot raise their own through the environment', async () => {
      const as = (role: keyof SeededActors['tokens'], extra: Record<string, string> = {}) => ({
        ...store,
        AWF_ADMIN_TOKEN: actors.tokens[role],
        ...extra,
      });
      const [refused, set] = await Promise.all([
        runScript('awf-actors', ['rate-limit', '--changes', '100000'], as('operator', RAISED)),
        runScript('awf-actors', ['rate-limit', '--changes', '2', '--window', '60s'], as('admin')),
      ]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /^error: actor ops-1 \(role operator\) is not allowed to ratelimit\.manage$/m,
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /^change rate limit 30 per 60 s → 2 per 60 s \(audit #\d+\)/);
      const [entry] = await wireControlPlane(database).audit.query({ action: 'auth.rate_limit.set' });
      assert.deepEqual(
        [entry?.actor, entry?.entity, entry?.details.previous, entry?.details.new],
        ['admin', 'auth:rate-limit', null, { changes: 2, windowSec: 60 }],
      );

      // Three changes by the operator, each its own process with AWF_CHANGE_RATE_LIMIT=100000: the stored 2 holds.
      const runs = await Promise.all([
        ...[1, 2, 3].map((percent) =>
          runScript('awf-rollout-set', ['--percent', String(percent)], as('operator', RAISED)),
        ),
        runScript('awf-actors', ['rate-limit'], as('viewer')),
      ]);
      const shown = runs.pop() as Run;
      assert.deepEqual(
        runs.map((run) => run.code).sort(),
        [0, 0, 2],
        runs.map((run) => run.stderr).join('\n'),
      );
      const limited = runs.find((run) => run.code === 2) as Run;
      assert.match(
        limited.stderr,
        /error: actor ops-1 made 2 changes in the last 60 s \(limit 2 per 60 s, the stored setting/,
      );
      for (const run of runs) {
        assert.match(
          run.stderr,
          /^warning: AWF_CHANGE_RATE_LIMIT \/ AWF_CHANGE_RATE_WINDOW_S in this script's environment are ignored/,
        );
      }
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        /^change rate limit: 2 changes per actor per 60 s \(stored, set by admin at /,
      );
    });

    it('applies a limit stored through one connection to changes made through another at once', async () => {
      const fresh = await target.open();
      const second = await fresh.reopen();
      try {
        const one = wireControlPlane(fresh);
        const other = wireControlPlane(second);
        const seeded = await seedActors(one.auth);
        const { admin, operator } = seeded.principals;
        await other.rollout.setPercent(operator, 1);
        await other.rollout.setPercent(operator, 2);
        await one.auth.setChangeRateLimit(admin, { changes: 2, windowSec: 3600 });
        await assert.rejects(other.rollout.setPercent(operator, 3), { code: 'AUTH_RATE_LIMITED' });
        await assert.rejects(one.auth.setChangeRateLimit(operator, { changes: 100, windowSec: 60 }), {
          code: 'AUTH_FORBIDDEN',
        });
        for (const bad of [
          { changes: 0, windowSec: 60 },
          { changes: 5, windowSec: 86_401 },
          { changes: 1.5, windowSec: 60 },
        ]) {
          await assert.rejects(one.auth.setChangeRateLimit(admin, bad), { code: 'INVALID_INPUT' });
        }
        assert.deepEqual(
          { ...(await other.auth.changeRateLimit()), updatedAt: undefined },
          { changes: 2, windowSec: 3600, source: 'store', updatedBy: 'admin', updatedAt: undefined },
        );
      } finally {
        await second.close();
        await fresh.close();
      }
    });
  });
}

describe('the server seeding the stored limit from AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S', () => {
  it('stores them (audited as system) only while none is stored; later values are ignored', async () => {
    const first = await createTestServices(
      { AWF_CHANGE_RATE_LIMIT: '5', AWF_CHANGE_RATE_WINDOW_S: '120' },
      { watchRollout: false, sloTimers: false, auditTimers: false },
    );
    try {
      const again = await createTestServices(
        { AWF_CHANGE_RATE_LIMIT: '7' },
        { sqlitePath: first.sqlitePath, watchRollout: false, sloTimers: false, auditTimers: false },
      );
      await again.close();
      const limit = await first.auth.changeRateLimit();
      assert.deepEqual(
        [limit.changes, limit.windowSec, limit.source, limit.updatedBy],
        [5, 120, 'store', 'system'],
      );
      const entries = await first.audit.query({ action: 'auth.rate_limit.set' });
      assert.deepEqual(
        entries.map((entry) => [entry.actor, entry.details.previous, entry.details.new]),
        [['system', null, { changes: 5, windowSec: 120 }]],
      );
    } finally {
      await first.dispose();
    }
  });

  it('is not a limit when unset: the default (30 per 60 s) applies', async () => {
    assert.equal(parseConfig({}).auth.changeRateSeed, undefined);
    const services = await createTestServices(
      {},
      { watchRollout: false, sloTimers: false, auditTimers: false },
    );
    try {
      const limit = await services.auth.changeRateLimit();
      assert.deepEqual([limit.changes, limit.windowSec, limit.source], [30, 60, 'default']);
    } finally {
      await services.dispose();
    }
  });
});
