/**
 * npm run bench [-- --json] [--quick] [--only decision,latency,http,propagation,start]: every figure a
 * ratio to a baseline measured in the same run, the cases interleaved round by round, median and worst
 * round printed. Exit 1 when a stated goal is missed, 2 on a bad flag.
 *
 * PostgreSQL propagation needs AWF_BENCH_DATABASE_URL (or AWF_TEST_DATABASE_URL): an admin URL under
 * which a fresh database is created and dropped; without it that part is skipped and says so.
 */
import { decisionBench } from './decision-bench.js';
import { type BenchResult, formatTable } from './harness.js';
import { httpTurnBench } from './http-turn-bench.js';
import { latencyRecordBench } from './latency-record.js';
import { propagationBench } from './propagation-bench.js';
import { scriptStartBench } from './script-start-bench.js';

const PARTS = ['decision', 'latency', 'http', 'propagation', 'start'] as const;
type Part = (typeof PARTS)[number];

function parseArgs(argv: readonly string[]): { json: boolean; quick: boolean; only: Set<Part> } | string {
  let json = false;
  let quick = false;
  let only = new Set<Part>(PARTS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--only') {
      const parts = (argv[++i] ?? '').split(',');
      const unknown = parts.find((part) => !(PARTS as readonly string[]).includes(part));
      if (unknown !== undefined)
        return `--only: unknown part ${JSON.stringify(unknown)} (parts: ${PARTS.join(', ')})`;
      only = new Set(parts as Part[]);
    } else return `unknown flag ${JSON.stringify(arg)} (flags: --json, --quick, --only)`;
  }
  return { json, quick, only };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`error: ${args}; usage: npm run bench -- [--json] [--quick] [--only ${PARTS.join(',')}]`);
    return 2;
  }
  const { quick, only } = args;
  const log = (line: string) => {
    if (!args.json) console.log(line);
  };
  const results: BenchResult[] = [];
  const skipped: string[] = [];
  const part = async (name: Part, title: string, measure: () => Promise<BenchResult[]>) => {
    if (!only.has(name)) return;
    log(`${title}…`);
    results.push(...(await measure()));
  };
  await part('decision', 'decision vs unleash-client 6 and murmur3', () =>
    decisionBench({ rounds: quick ? 3 : 7, iterations: quick ? 100_000 : 1_000_000 }),
  );
  await part('latency', 'latency record vs prom-client and hdr-histogram-js', () =>
    latencyRecordBench({ rounds: quick ? 3 : 5, size: quick ? 100_000 : 1_000_000 }),
  );
  await part('http', 'HTTP turns vs Fastify baselines (autocannon)', () =>
    httpTurnBench({ rounds: quick ? 2 : 3, seconds: quick ? 1 : 3 }),
  );
  await part('propagation', 'propagation across 3 servers on PostgreSQL', async () => {
    const adminUrl = process.env.AWF_BENCH_DATABASE_URL ?? process.env.AWF_TEST_DATABASE_URL;
    if (!adminUrl) skipped.push('propagation: set AWF_BENCH_DATABASE_URL to a PostgreSQL admin URL');
    return propagationBench({ changes: quick ? 4 : 20, adminUrl });
  });
  await part('start', 'admin script start vs node -e 0', () => scriptStartBench({ rounds: quick ? 3 : 7 }));

  const missed = results.filter((result) => result.met === false);
  if (args.json) {
    console.log(JSON.stringify({ results, ...(skipped.length > 0 ? { skipped } : {}) }, null, 2));
  } else {
    log('');
    log(formatTable(results));
    for (const line of skipped) log(`skipped: ${line}`);
    const notes = results.filter((result) => result.note);
    if (notes.length > 0) log('');
    for (const result of notes) log(`${result.name}: ${result.note}`);
    log('');
    log(
      missed.length === 0
        ? 'every stated goal met'
        : `goals missed: ${missed.map((result) => result.name).join('; ')}`,
    );
  }
  return missed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 3;
  },
);
