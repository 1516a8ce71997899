import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tamper } from '../audit/testing/tamper.js';
import { adminCaller } from '../cli/admin-cli.js';
import { runCli } from '../cli/cli-runner.js';
import { buildApp } from '../server/build-app.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';
import { decommissionCommand } from './decommission-command.js';
import {
  DECOMMISSION_CHECKS,
  type DecommissionCheckName,
  type DecommissionReport,
} from './decommission-service.js';
import {
  DAY,
  type HistoryStore,
  type HistoryTwist,
  HOUR,
  MINUTE,
  openHistoryStore,
  playTurn,
  recordAwfTurns,
  seedReadyHistory,
} from './testing/decommission-history.js';

/** "Now" for every store: a whole minute, so the seeded times are exact. */
const NOW = Math.floor(Date.parse('2026-06-20T12:00:00.000Z') / MINUTE) * MINUTE;

/** Runs `awf-decommission.ts check …args` in this process over the store's services. */
async function check(store: HistoryStore, args: string[], token = store.tokens.auditor) {
  let stdout = '';
  let stderr = '';
  const env = { ...store.env, AWF_ADMIN_TOKEN: token };
  const code = await runCli(
    decommissionCommand,
    () => ({ deps: { ...store.services, caller: adminCaller(store.services.auth, env) } }),
    {
      argv: ['check', ...args],
      stdin: process.stdin,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      cwd: process.cwd(),
    },
  );
  return { code, stdout, stderr };
}

const failedNames = (report: DecommissionReport) =>
  report.checks.filter((item) => !item.ok).map((item) => item.name);
const item = (report: DecommissionReport, name: DecommissionCheckName) =>
  report.checks.find((candidate) => candidate.name === name) as DecommissionReport['checks'][number];

/** Each prerequisite broken on its own, in a history otherwise ready, and what its ✘ line must say. */
const BROKEN: Array<{ name: DecommissionCheckName; what: string; twist: HistoryTwist; says: RegExp }> = [
  {
    name: 'full_rollout',
    what: 'the percentage dipped to 50 and back three days ago',
    twist: {
      async atSlot(store, slotMs) {
        if (slotMs !== NOW - 3 * DAY) return true;
        const { rollout, rolloutState } = store.services;
        await rollout.setPercent(store.principals.operator, 50);
        store.clock.set(slotMs + 1000);
        await rollout.setPercent(store.principals.operator, 100);
        await rolloutState.refresh();
        return true;
      },
    },
    says: /^100 % with the global flag on only since 2026-06-17T12:00:01\.000Z: 3 of the 7 days required$/,
  },
  {
    name: 'slos_healthy',
    what: 'one evaluation saw 10 % fallbacks and a critical alert fired and resolved',
    twist: {
      async atSlot(store, slotMs, index) {
        if (index !== 20) return true;
        recordAwfTurns(store, slotMs, 200, 20);
        return false;
      },
    },
    says: /violated in 1 evaluated minute\(s\): fallback_rate 1 .*1 alert\(s\) open in the period: fallback_rate \(critical\) fired .*, resolved /,
  },
  {
    name: 'slos_healthy',
    what: 'a day had 1.4 % fallbacks in hours no evaluation looked at (the history is clean)',
    twist: {
      async atSlot(store, slotMs, index) {
        if (index >= 28 && index <= 30) recordAwfTurns(store, slotMs - HOUR, 200, 10);
        return true;
      },
    },
    says: /^violated over 1 day\(s\) of the period: \S+ fallback_rate 1\.36 % \(2200 AWF turns\)$/,
  },
  {
    name: 'goldens_passing',
    what: 'the newest golden verify run failed a scenario',
    twist: { goldens: ['passed', 'passed', 'failed'] },
    says: /^golden verify run run-3 at .* failed 1 of 2 scenario\(s\): first-meet-kiera \(legacy\)$/,
  },
  {
    name: 'feedback_not_worse',
    what: 'players rated AWF answers down far more often than the legacy ones',
    twist: {
      async atSlot(store, slotMs, index) {
        if (index < 40 || index >= 60) return true;
        recordAwfTurns(store, slotMs, 200, 1);
        store.services.slos.recordFeedback({ pipeline: 'awf', up: 10, down: 150, downReasons: {} }, slotMs);
        store.services.slos.recordFeedback({ pipeline: 'legacy', up: 1, down: 0, downReasons: {} }, slotMs);
        return false;
      },
    },
    says: /AWF worse than legacy with 95 % confidence \(lower bound above 0 pp\)$/,
  },
  {
    name: 'legacy_only_fallbacks',
    what: 'a player pinned to legacy played a turn some 57 hours ago (the override is gone)',
    twist: {
      async atSlot(store, _slotMs, index) {
        if (index !== 44) return true;
        const { rollout, rolloutState } = store.services;
        const operator = store.principals.operator;
        await rollout.setOverride(operator, { kind: 'user', subjectId: 'qa-1', pipeline: 'legacy' });
        await rolloutState.refresh();
        await playTurn(store, 'qa-1');
        await rollout.clearOverride(operator, 'user', 'qa-1');
        await rolloutState.refresh();
        return true;
      },
    },
    says: /: 1 in the SLO aggregates, 1 in the turn log \(user_override 1\)$/,
  },
  {
    name: 'nothing_forces_legacy',
    what: 'a session is pinned to legacy now',
    twist: {
      async atEnd(store) {
        await store.services.rollout.setOverride(store.principals.operator, {
          kind: 'session',
          subjectId: 's-pinned',
          pipeline: 'legacy',
          reason: 'QA',
        });
      },
    },
    says: /^legacy is forced: 1 active --disable override\(s\): session:s-pinned$/,
  },
  {
    name: 'audit_chain',
    what: 'an audit entry was rewritten in the database',
    twist: {
      async atEnd(store) {
        await tamper(store.services.database, ["update audit_log set actor = 'mallory' where seq = 3"]);
      },
    },
    says: /^the audit chain does not verify: seq 3 /,
  },
];

for (const target of testDatabaseTargets()) {
  describe(`awf-decommission.ts check on ${target.name}`, { timeout: 600_000 }, () => {
    describe('a history that meets every prerequisite', () => {
      let store: HistoryStore;
      before(async () => {
        store = await openHistoryStore(target, NOW);
        await seedReadyHistory(store, NOW);
      });
      after(() => store.close());

      it('exits 0 with every item ✔ and the verdict "ready"', async () => {
        const run = await check(store, []);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.stderr, '');
        const lines = run.stdout.split('\n');
        for (const name of DECOMMISSION_CHECKS) {
          assert.ok(
            lines.some((line) => line.startsWith(`✔ ${name}: `)),
            `✔ ${name} in\n${run.stdout}`,
          );
        }
        assert.match(run.stdout, /^Result: ready: every prerequisite holds/m);
      });

      it("--json prints one object with each item's evidence: 100 % for at least 7 days, no violated minute, 3 passing runs", async () => {
        const run = await check(store, ['--json']);
        assert.equal(run.code, 0, run.stderr);
        const report = JSON.parse(run.stdout) as DecommissionReport;
        assert.equal(report.ready, true);
        assert.deepEqual(
          report.checks.map((entry) => entry.name),
          [...DECOMMISSION_CHECKS],
        );
        const rollout = item(report, 'full_rollout').evidence;
        assert.deepEqual(rollout.stored, { globalEnabled: true, percent: 100 });
        assert.equal(rollout.since, new Date(NOW - 8 * DAY).toISOString());
        assert.ok((rollout.heldDays as number) >= 7);
        const history = item(report, 'slos_healthy').evidence.history as {
          violatedMinutes: number;
          judgedMinutes: number;
        };
        assert.equal(history.violatedMinutes, 0);
        assert.ok(history.judgedMinutes > 0);
        assert.equal((item(report, 'goldens_passing').evidence.runs as unknown[]).length, 3);
        assert.match(item(report, 'feedback_not_worse').summary, /^not collected: no player ratings/);
        const legacy = item(report, 'legacy_only_fallbacks').evidence as {
          aggregates: { legacyRoutedTurns: number; awfTurns: number };
          turnLog: { legacyRoutedTurns: number; awfRoutedTurns: number };
        };
        assert.equal(legacy.aggregates.legacyRoutedTurns, 0);
        assert.equal(legacy.turnLog.legacyRoutedTurns, 0);
        assert.equal(legacy.turnLog.awfRoutedTurns, 2);
        assert.equal(item(report, 'audit_chain').evidence.firstBad, null);
      });

      it('--days 9 asks for more than the eight days at 100 % and flips only full_rollout', async () => {
        const run = await check(store, ['--days', '9', '--json']);
        assert.equal(run.code, 1, run.stderr);
        const report = JSON.parse(run.stdout) as DecommissionReport;
        assert.deepEqual(failedNames(report), ['full_rollout']);
        assert.match(item(report, 'full_rollout').summary, /: 8 of the 9 days required$/);
      });

      it('--golden-runs 4 asks for more runs than were stored and flips only goldens_passing', async () => {
        const run = await check(store, ['--golden-runs', '4', '--json']);
        assert.equal(run.code, 1, run.stderr);
        const report = JSON.parse(run.stdout) as DecommissionReport;
        assert.deepEqual(failedNames(report), ['goldens_passing']);
        assert.match(
          item(report, 'goldens_passing').summary,
          /^3 full golden verify run\(s\) stored .*; 4 needed/,
        );
      });

      it('GET /api/admin/decommission answers the same object (audit.read), 403 for a viewer, 400 for a bad days', async () => {
        const app = await buildApp({ services: store.services });
        try {
          const call = (url: string, token: string) =>
            app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          const response = await call('/api/admin/decommission', store.tokens.auditor);
          assert.equal(response.statusCode, 200, response.body);
          const cli = await check(store, ['--json']);
          assert.deepEqual(response.json(), JSON.parse(cli.stdout));
          const viewer = await call('/api/admin/decommission', store.tokens.viewer);
          assert.equal(viewer.statusCode, 403);
          assert.equal(viewer.json().error.code, 'AUTH_FORBIDDEN');
          for (const query of [
            'days=0',
            'days=-1',
            'days=soon',
            'goldenRuns=0',
            'goldenRuns=1.5',
            'window=7d',
          ]) {
            const bad = await call(`/api/admin/decommission?${query}`, store.tokens.auditor);
            assert.equal(bad.statusCode, 400, `${query}: ${bad.body}`);
            assert.equal(bad.json().error.code, 'INVALID_INPUT', query);
          }
          const nine = await call('/api/admin/decommission?days=9&goldenRuns=4', store.tokens.auditor);
          assert.deepEqual(failedNames(nine.json()), ['full_rollout', 'goldens_passing']);
        } finally {
          await app.close();
        }
      });
    });

    it('ratings that show AWF no worse than legacy keep the history ready, with the interval as evidence', async () => {
      const store = await openHistoryStore(target, NOW);
      try {
        await seedReadyHistory(store, NOW, {
          async atSlot(inner, slotMs, index) {
            if (index < 40 || index >= 60) return true;
            recordAwfTurns(inner, slotMs, 200, 1);
            const { slos } = inner.services;
            slos.recordFeedback({ pipeline: 'awf', up: 20, down: 2, downReasons: {} }, slotMs);
            slos.recordFeedback({ pipeline: 'legacy', up: 0, down: 1, downReasons: {} }, slotMs);
            return false;
          },
        });
        const run = await check(store, ['--json']);
        assert.equal(run.code, 0, run.stdout);
        const feedback = item(JSON.parse(run.stdout), 'feedback_not_worse');
        assert.match(feedback.summary, /^AWF − legacy down-rate -\d+(\.\d+)? pp, 95 % CI \[-\d.*\]/);
        assert.match(feedback.summary, /: not worse than legacy beyond 0 pp$/);
      } finally {
        await store.close();
      }
    });

    for (const broken of BROKEN) {
      it(`${broken.name} alone is ✘ when ${broken.what}: exit 1`, async () => {
        const store = await openHistoryStore(target, NOW);
        try {
          await seedReadyHistory(store, NOW, broken.twist);
          const run = await check(store, ['--json']);
          assert.equal(run.code, 1, run.stdout + run.stderr);
          const report = JSON.parse(run.stdout) as DecommissionReport;
          assert.equal(report.ready, false);
          assert.deepEqual(failedNames(report), [broken.name], JSON.stringify(report.checks, null, 2));
          assert.match(item(report, broken.name).summary, broken.says);
          const text = await check(store, []);
          assert.equal(text.code, 1);
          assert.match(text.stdout, new RegExp(`^✘ ${broken.name}: `, 'm'));
          assert.match(
            text.stdout,
            new RegExp(`^Result: not ready: 1 of 7 prerequisites unmet \\(${broken.name}\\)$`, 'm'),
          );
        } finally {
          await store.close();
        }
      });
    }
  });
}
