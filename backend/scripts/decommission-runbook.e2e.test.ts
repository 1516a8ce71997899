/**
 * docs/decommission-runbook.md, step by step: each test does what its step says (the scripts, a server
 * restarted with or without a switch) and checks the effect the step says to look at, and its way back.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestServices } from '../src/app/testing/test-services.js';
import type { DecommissionReport } from '../src/decommission/decommission-service.js';
import {
  HISTORY_ENV,
  type HistoryStore,
  MINUTE,
  openHistoryStore,
  playTurn,
  seedReadyHistory,
} from '../src/decommission/testing/decommission-history.js';
import { testDatabaseTargets } from '../src/store/testing/test-databases.js';
import { ROOT, runScript, runTsx } from './testing/run-script.js';

/** A server process (`npm start`) on the store, with `env` added; stop() waits for it to exit. */
async function startServer(store: Record<string, string>, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'backend/src/main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...store,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the server exited early with ${code}`)));
  });
  return {
    address,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** A new session of `userId` on `server` and one turn: the answering pipeline and the stored route reason. */
async function playOn(server: Server, userId: string) {
  const post = (url: string, body: unknown) =>
    fetch(`${server.address}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const opening = (await (await post('/api/sessions', { userId })).json()) as { sessionId: string };
  const turn = (await (
    await post(`/api/sessions/${opening.sessionId}/turns`, { input: 'look around' })
  ).json()) as {
    pipeline: string;
  };
  const session = (await (await fetch(`${server.address}/api/sessions/${opening.sessionId}`)).json()) as {
    turns: Array<{ routeReason: string }>;
  };
  return { pipeline: turn.pipeline, routeReason: session.turns.at(-1)?.routeReason };
}

/** Plays new sessions until one is answered by `pipeline` (a stored change reaches a server within a second). */
async function untilPipeline(server: Server, pipeline: string, userId: string) {
  for (let attempt = 0; ; attempt++) {
    const played = await playOn(server, `${userId}-${attempt}`);
    if (played.pipeline === pipeline || attempt >= 20) return played;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function gauge(server: Server, name: string): Promise<string | undefined> {
  const text = await (await fetch(`${server.address}/metrics`)).text();
  return text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1];
}

async function decommissionOf(server: Server, token: string): Promise<DecommissionReport> {
  const response = await fetch(`${server.address}/api/admin/decommission`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as DecommissionReport;
}

const item = (report: DecommissionReport, name: string) =>
  report.checks.find((entry) => entry.name === name) as DecommissionReport['checks'][number];

for (const target of testDatabaseTargets()) {
  describe(`docs/decommission-runbook.md on ${target.name}`, { timeout: 600_000 }, () => {
    let store: HistoryStore;
    let where: Record<string, string>;
    let plain: Server;
    const as = (role: 'operator' | 'auditor') => ({ ...where, AWF_ADMIN_TOKEN: store.tokens[role] });
    const check = async (args: string[]) => {
      const run = await runScript('awf-decommission', ['check', '--json', ...args], as('auditor'));
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      return { code: run.code, report: JSON.parse(run.stdout) as DecommissionReport };
    };

    before(async () => {
      store = await openHistoryStore(target, Date.now());
      where = store.env.DATABASE_URL
        ? { DATABASE_URL: store.env.DATABASE_URL }
        : { AWF_DB_PATH: store.env.AWF_DB_PATH as string };
      plain = await startServer(where);
    });
    after(async () => {
      await plain?.stop();
      await store?.close();
    });

    it('step 1: --global on --percent 100 sends every new player to AWF and starts the count of days at 100 %; --percent 0 goes back', async () => {
      const goldens = await runTsx('backend/src/goldens/runner.ts', ['--mode', 'verify'], {
        ...where,
        CI: 'true',
      });
      assert.equal(goldens.code, 0, goldens.stdout.slice(-2000));
      const startedAt = Date.now();
      const set = await runScript(
        'awf-rollout-set',
        ['--global', 'on', '--percent', '100', '--actor', 'ops-1'],
        as('operator'),
      );
      assert.equal(set.code, 0, set.stderr);
      const status = JSON.parse(
        (await runScript('awf-rollout-set', ['--status', '--json'], as('operator'))).stdout,
      );
      assert.deepEqual(
        [
          status.effective.percent.value,
          status.effective.percent.source,
          status.effective.globalEnabled.value,
        ],
        [100, 'store', true],
      );
      assert.deepEqual(await untilPipeline(plain, 'awf', 'step1'), {
        pipeline: 'awf',
        routeReason: 'percent_bucket',
      });

      const { code, report } = await check(['--golden-runs', '1']);
      assert.equal(code, 1);
      const rollout = item(report, 'full_rollout');
      assert.equal(rollout.ok, false);
      assert.ok(Date.parse(rollout.evidence.since as string) >= startedAt - 1000);
      assert.match(rollout.summary, /only since .*: 0 of the 7 days required$/);
      assert.equal(item(report, 'goldens_passing').ok, true, item(report, 'goldens_passing').summary);

      // Go back: new turns to legacy at once, on the running server.
      assert.equal(
        (await runScript('awf-rollout-set', ['--percent', '0', '--actor', 'ops-1'], as('operator'))).code,
        0,
      );
      assert.deepEqual(await untilPipeline(plain, 'legacy', 'step1-back'), {
        pipeline: 'legacy',
        routeReason: 'percent_bucket',
      });
      const back = item((await check([])).report, 'full_rollout');
      assert.match(
        back.summary,
        /^the stored rollout is not 100 % with the global flag on: percent 0, global flag on$/,
      );
      // Forward again for the next steps: the count starts from this raise.
      assert.equal(
        (await runScript('awf-rollout-set', ['--percent', '100', '--actor', 'ops-1'], as('operator'))).code,
        0,
      );
      assert.equal((await untilPipeline(plain, 'awf', 'step1-again')).pipeline, 'awf');
    });

    it('step 2: with LEGACY_TURN_ENABLED unset legacy is off every path; set and restarted, every turn is legacy_forced; unset, AWF again', async () => {
      assert.equal(await gauge(plain, 'awf_rollout_legacy_turn_enabled'), '0');
      assert.equal(item(await decommissionOf(plain, store.tokens.auditor), 'nothing_forces_legacy').ok, true);

      const forced = await startServer(where, { LEGACY_TURN_ENABLED: 'true' });
      try {
        assert.deepEqual(await playOn(forced, 'step2'), { pipeline: 'legacy', routeReason: 'legacy_forced' });
        assert.equal(await gauge(forced, 'awf_rollout_legacy_turn_enabled'), '1');
        const seen = item(await decommissionOf(forced, store.tokens.auditor), 'nothing_forces_legacy');
        assert.equal(seen.ok, false);
        assert.equal(seen.summary, 'legacy is forced: LEGACY_TURN_ENABLED=true');
      } finally {
        await forced.stop();
      }
      // The process without it (as after unsetting it and restarting) answers from AWF.
      assert.deepEqual(await playOn(plain, 'step2-back'), { pipeline: 'awf', routeReason: 'percent_bucket' });
    });

    it('step 3: EMERGENCY_FALLBACK=true sends even a player pinned to AWF to legacy; the release then fails the gate, naming the switch', async () => {
      const pin = await runScript(
        'awf-override',
        ['--user', 'pinned-awf', '--enable', '--actor', 'ops-1'],
        as('operator'),
      );
      assert.equal(pin.code, 0, pin.stderr);
      assert.equal(await gauge(plain, 'awf_rollout_emergency_fallback'), '0');

      const emergency = await startServer(where, { EMERGENCY_FALLBACK: 'true' });
      try {
        assert.deepEqual(await playOn(emergency, 'pinned-awf'), {
          pipeline: 'legacy',
          routeReason: 'emergency_fallback',
        });
        assert.equal(await gauge(emergency, 'awf_rollout_emergency_fallback'), '1');
        const seen = item(await decommissionOf(emergency, store.tokens.auditor), 'nothing_forces_legacy');
        assert.equal(seen.summary, 'legacy is forced: EMERGENCY_FALLBACK=true');
      } finally {
        await emergency.stop();
      }
      // Unset and restarted: the pinned player is back on AWF.
      assert.deepEqual(await playOn(plain, 'pinned-awf'), { pipeline: 'awf', routeReason: 'user_override' });

      // At the release's end the gate says the switches were needed: step 4 waits.
      const { code, report } = await check(['--days', '1']);
      assert.equal(code, 1);
      const legacy = item(report, 'legacy_only_fallbacks');
      assert.equal(legacy.ok, false);
      const reasons = (legacy.evidence.turnLog as { legacyRouteReasons: Record<string, number> })
        .legacyRouteReasons;
      assert.equal(reasons.emergency_fallback, 1);
      assert.equal(reasons.legacy_forced, 1);
      assert.match(legacy.summary, /emergency_fallback 1/);
    });
  });

  it(`step 4 on ${target.name}: a release without either switch passes the gate (exit 0); one that used the emergency switch does not`, {
    timeout: 300_000,
  }, async () => {
    const now = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const stores: HistoryStore[] = [];
    try {
      const quiet = await openHistoryStore(target, now);
      stores.push(quiet);
      await seedReadyHistory(quiet, now);
      const used = await openHistoryStore(target, now);
      stores.push(used);
      await seedReadyHistory(used, now, {
        async atSlot(inner, slotMs, index) {
          if (index !== 50) return true;
          // One process restarted with the switch during the release, then without it again.
          const switched = await createTestServices(
            { ...inner.env, ...HISTORY_ENV, EMERGENCY_FALLBACK: 'true' },
            {
              clock: () => new Date(slotMs),
              watchRollout: false,
              sloTimers: false,
              auditTimers: false,
              ...(inner.env.AWF_DB_PATH ? { sqlitePath: inner.env.AWF_DB_PATH } : {}),
            },
          );
          try {
            const turn = await playTurn({ ...inner, services: switched }, 'player-in-an-incident');
            assert.equal(turn.pipeline, 'legacy');
          } finally {
            await switched.dispose();
          }
          return true;
        },
      });
      const gate = (store: HistoryStore) =>
        runScript(
          'awf-decommission',
          ['check'],
          store.env.DATABASE_URL
            ? { DATABASE_URL: store.env.DATABASE_URL, AWF_ADMIN_TOKEN: store.tokens.auditor }
            : { AWF_DB_PATH: store.env.AWF_DB_PATH as string, AWF_ADMIN_TOKEN: store.tokens.auditor },
        );
      const go = await gate(quiet);
      assert.equal(go.code, 0, go.stdout + go.stderr);
      assert.match(
        go.stdout,
        /^Result: ready: every prerequisite holds; continue with docs\/decommission-runbook\.md$/m,
      );
      const wait = await gate(used);
      assert.equal(wait.code, 1, wait.stdout + wait.stderr);
      assert.match(wait.stdout, /^✘ legacy_only_fallbacks: .*\(emergency_fallback 1\)$/m);
      assert.match(wait.stdout, /^✔ nothing_forces_legacy: /m);
    } finally {
      for (const store of stores) await store.close();
    }
  });
}
