import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { bucketOf } from '../src/rollout/route-decision.js';
import type { BenchResult } from './harness.js';
import { bootstrapAdmin, type ServerProcess, startServer } from './processes.js';

/** unleash-client's default refreshInterval: a change reaches a client within this, at worst. */
const UNLEASH_REFRESH_MS = 15_000;
const SERVERS = 3;

async function admin(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const nearestRankOf = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
};

/**
 * A percentage change made through one server's admin API, timed until each of 3 servers on one
 * PostgreSQL database answers the new value over OFREP for a player whose bucket it moves.
 */
export async function propagationBench(options: {
  changes: number;
  adminUrl: string | undefined;
}): Promise<BenchResult[]> {
  if (!options.adminUrl) {
    return [];
  }
  const name = `awf_bench_${randomBytes(6).toString('hex')}`;
  await admin(options.adminUrl, `create database ${name}`);
  const url = new URL(options.adminUrl);
  url.pathname = `/${name}`;
  const servers: ServerProcess[] = [];
  try {
    const storeEnv = { DATABASE_URL: url.toString() };
    const env = {
      ...storeEnv,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      AWF_BUNDLE_ON: 'true',
      AWF_CHANGE_RATE_LIMIT: '100000',
      AWF_OFREP_RATE_LIMIT: '1000000',
    };
    servers.push(await startServer('backend/src/main.ts', { ...env, AWF_INSTANCE_ID: 'bench-1' }));
    servers.push(
      ...(await Promise.all(
        Array.from({ length: SERVERS - 1 }, (_, i) =>
          startServer('backend/src/main.ts', { ...env, AWF_INSTANCE_ID: `bench-${i + 2}` }),
        ),
      )),
    );
    const token = await bootstrapAdmin(storeEnv);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // A player in bucket < 5000: AWF at 50 %, legacy at 0 %.
    let player = 0;
    while (bucketOf(`bench-player-${player}`) >= 5000) player++;
    const context = JSON.stringify({ context: { targetingKey: `bench-player-${player}` } });
    const evaluate = async (server: ServerProcess): Promise<boolean> => {
      const response = await fetch(`${server.url}/ofrep/v1/evaluate/flags/awf-bundle`, {
        method: 'POST',
        headers: auth,
        body: context,
      });
      return ((await response.json()) as { value: boolean }).value;
    };
    const delays: number[] = [];
    for (let change = 0; change < options.changes; change++) {
      const percent = change % 2 === 0 ? 50 : 0;
      const expected = percent === 50;
      const started = performance.now();
      const put = await fetch(`${servers[0]?.url}/api/admin/rollout/percent`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ percent }),
      });
      if (!put.ok) throw new Error(`PUT percent ${percent}: ${put.status} ${await put.text()}`);
      await Promise.all(
        servers.map(async (server) => {
          while ((await evaluate(server)) !== expected) {
            if (performance.now() - started > 10_000)
              throw new Error('a change did not propagate within 10 s');
            await sleep(2);
          }
          delays.push(performance.now() - started);
        }),
      );
      await sleep(50);
    }
    const figures = [
      ['p50', nearestRankOf(delays, 0.5)],
      ['p99', nearestRankOf(delays, 0.99)],
      ['max', Math.max(...delays)],
    ] as const;
    return figures.map(([label, ms]) => ({
      name: `propagation of a change across ${SERVERS} servers on PostgreSQL, ${label}`,
      project: ms,
      baseline: UNLEASH_REFRESH_MS,
      ratio: UNLEASH_REFRESH_MS / ms,
      unit: 'ms',
      note: `baseline: unleash-client's default 15 s refresh; ${delays.length} samples`,
    }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await admin(options.adminUrl, `drop database if exists ${name} with (force)`);
  }
}
