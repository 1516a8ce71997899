import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { type BenchResult, interleave, ratioResult } from './harness.js';
import { type ServerProcess, startServer } from './processes.js';

const SESSIONS = 256;
const CONNECTIONS = 8;

/** Requests per second autocannon gets from `url` + one of `paths` (round robin) in `seconds`. */
async function requestsPerSecond(url: string, paths: readonly string[], seconds: number): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'look around' }),
        setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] as string }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}${paths[0]}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result.requests.total / seconds;
}

async function sessionsOn(server: ServerProcess): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const response = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `bench-${i}`, seed: i }),
    });
    const { sessionId } = (await response.json()) as { sessionId: string };
    paths.push(`/api/sessions/${sessionId}/turns`);
  }
  return paths;
}

/**
 * An HTTP turn (AWF; legacy) through the real server process on SQLite against a plain Fastify JSON
 * route and against Fastify plus one better-sqlite3 read-update-insert transaction (the floor),
 * autocannon as the client, the four interleaved round by round.
 */
export async function httpTurnBench(options: { rounds: number; seconds: number }): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-bench-http-'));
  const servers: ServerProcess[] = [];
  try {
    const common = {
      HOST: '127.0.0.1',
      PORT: '0',
      AWF_MODEL_PROVIDER: 'local',
      AWF_REQUEST_LOG: 'errors',
      AWF_FEEDBACK_RATE_LIMIT: '10000',
    };
    const [baseline, awf, legacy] = await Promise.all([
      startServer('backend/bench/fixtures/baseline-server.ts', {}),
      startServer('backend/src/main.ts', {
        ...common,
        AWF_DB_PATH: path.join(dir, 'awf.db'),
        AWF_BUNDLE_ON: 'true',
        AWF_PERCENT_ROLLOUT: '100',
      }),
      startServer('backend/src/main.ts', {
        ...common,
        AWF_DB_PATH: path.join(dir, 'legacy.db'),
        AWF_BUNDLE_ON: 'false',
      }),
    ]);
    servers.push(baseline as ServerProcess, awf as ServerProcess, legacy as ServerProcess);
    const awfPaths = await sessionsOn(awf as ServerProcess);
    const legacyPaths = await sessionsOn(legacy as ServerProcess);
    const floorPaths = Array.from({ length: SESSIONS }, (_, i) => `/floor/s-${i}`);
    const cases = {
      plain: () => requestsPerSecond((baseline as ServerProcess).url, ['/plain'], options.seconds),
      floor: () => requestsPerSecond((baseline as ServerProcess).url, floorPaths, options.seconds),
      awf: () => requestsPerSecond((awf as ServerProcess).url, awfPaths, options.seconds),
      legacy: () => requestsPerSecond((legacy as ServerProcess).url, legacyPaths, options.seconds),
    };
    for (const warmUp of Object.values(cases)) await warmUp(); // JIT and caches of every server
    const figures = await interleave(options.rounds, cases);
    const note = 'req/s, autocannon 8 connections; AWF_REQUEST_LOG=errors';
    return [
      ratioResult(
        'HTTP AWF turn vs Fastify + one SQLite transaction',
        figures.awf as number[],
        figures.floor as number[],
        {
          unit: 'req/s',
          better: 'higher',
          goal: 1 / 3,
          note,
        },
      ),
      ratioResult(
        'HTTP AWF turn vs plain Fastify route',
        figures.awf as number[],
        figures.plain as number[],
        {
          unit: 'req/s',
          better: 'higher',
          note,
        },
      ),
      ratioResult(
        'HTTP legacy turn vs Fastify + one SQLite transaction',
        figures.legacy as number[],
        figures.floor as number[],
        {
          unit: 'req/s',
          better: 'higher',
          note,
        },
      ),
      ratioResult(
        'HTTP legacy turn vs plain Fastify route',
        figures.legacy as number[],
        figures.plain as number[],
        {
          unit: 'req/s',
          better: 'higher',
          note,
        },
      ),
    ];
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
