import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createTestServices } from '../app/testing/test-services.js';
import { PASSED_SCENARIO, storeGoldenRun } from '../golden-runs/testing/golden-run-fixtures.js';
import { codeVersion } from '../shared/code-version.js';
import { createKyselySloStore } from '../slos/kysely-slo-store.js';
import { emptyAggregate, type MinuteAggregate, minuteOf } from '../slos/turn-aggregates.js';
import { testDatabaseTargets } from '../store/testing/test-databases.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'backend/src/main.ts');
/** The evaluation interval the servers run with; the takeover must come within two of them. */
const INTERVAL_MS = 2000;

interface Server {
  child: ChildProcess;
  output: () => string;
}

function startServer(databaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      LOG_LEVEL: 'warn',
      AWF_BUNDLE_ON: 'true',
      AWF_PLAN_INTERVAL_MS: String(INTERVAL_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/listening on/.test(out)) {
        clearInterval(timer);
        resolve({ child, output: () => out });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A healthy minute of AWF and legacy turns: every gate can pass on it. */
function healthyMinute(minute: number, pipeline: 'awf' | 'legacy'): MinuteAggregate {
  const aggregate: MinuteAggregate = { minute, pipeline, ...emptyAggregate(), turns: 3000 };
  for (let i = 0; i < 3000; i++) aggregate.latency.add(1000);
  return aggregate;
}

const postgres = testDatabaseTargets().filter((target) => target.name === 'postgres');

for (const target of postgres) {
  describe('the plan controller across three server processes (PostgreSQL)', { timeout: 240_000 }, () => {
    it('one leader steps; kill -9 of it: another takes over within two intervals, and no step is taken twice', async () => {
      const database = await target.open();
      const url = database.url as string;
      const servers: Server[] = [];
      const services = await createTestServices(
        { DATABASE_URL: url },
        { sloTimers: false, planController: false, watchRollout: false, auditTimers: false },
      );
      try {
        const now = minuteOf(Date.now());
        const minutes = Array.from({ length: 10 }, (_, i) => now + i).flatMap((minute) => [
          healthyMinute(minute, 'awf'),
          healthyMinute(minute, 'legacy'),
        ]);
        await createKyselySloStore(database).mergeMinutes(
          'load-generator',
          minutes,
          new Date().toISOString(),
        );
        await storeGoldenRun(database.db, {
          runId: 'golden-leader',
          contentHash: services.content.hash,
          codeVersion: codeVersion(),
          results: [PASSED_SCENARIO],
        });
        for (let i = 0; i < 3; i++) servers.push(await startServer(url));

        const plan = await services.plan.service.start({
          stages: [5, 25, 50, 100],
          bakeMs: 5000,
          minSample: 10,
          approvalBefore100: false,
          actor: 'alice',
        });
        const firstStep = new RegExp(`plan ${plan.id}: advance`);
        const leader = await waitFor('the first step', () =>
          servers.find((server) => firstStep.test(server.output())),
        );
        const standbys = servers.filter((server) => server !== leader);
        leader.child.kill('SIGKILL');
        const killedAt = Date.now();
        const successor = await waitFor('a takeover', () =>
          standbys.find((server) => /took over as leader/.test(server.output())),
        );
        const tookOverAfterMs = Date.now() - killedAt;
        assert.ok(tookOverAfterMs <= 2 * INTERVAL_MS, `took over after ${tookOverAfterMs} ms`);

        await waitFor('the plan to complete', async () =>
          (await services.plan.service.status()).plan?.state === 'completed' ? true : undefined,
        );
        const advanced = await services.audit.query({ action: 'plan.advanced', order: 'asc' });
        assert.deepEqual(
          advanced.map((entry) => [entry.details.from, entry.details.to]),
          [
            ['5 %', '25 %'],
            ['25 %', '50 %'],
            ['50 %', '100 %'],
          ],
        );
        assert.equal((await services.audit.query({ action: 'plan.completed' })).length, 1);
        const steps = await database.db
          .selectFrom('rollout_plan_decisions')
          .select(['plan_version', 'action'])
          .where('action', '!=', 'hold')
          .execute();
        assert.equal(steps.length, 4);
        assert.equal(
          new Set(steps.map((step) => step.plan_version)).size,
          4,
          'two steps from one plan version',
        );
        assert.match(successor.output(), new RegExp(`plan ${plan.id}: advance`));
        assert.equal((await services.rollout.readState()).percent, 100);
      } finally {
        for (const server of servers) {
          if (server.child.exitCode === null && server.child.signalCode === null) {
            const exited = new Promise((resolve) => server.child.once('exit', resolve));
            server.child.kill('SIGTERM');
            await exited;
          }
        }
        await services.dispose();
        await database.close();
      }
    });
  });
}
