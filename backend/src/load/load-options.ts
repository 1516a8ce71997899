import { z } from 'zod';
import type { Flags } from '../cli/cli-runner.js';
import { seedFlag, turnsPerSecondFlag, wholeNumberFlag } from '../cli/quantity-flags.js';

/** Faults injected into the local model of the servers `npm run load` starts (AWF_LOCAL_* env). */
export interface LoadFaults {
  /** AWF_LOCAL_ERROR_RATE: fraction of AWF model calls failing like an outage. */
  error: number;
  /** AWF_LOCAL_INVALID_RATE: fraction of AWF model calls answering output that breaks the contract. */
  invalid: number;
  /** AWF_LOCAL_LATENCY_MS: median of the local model's log-normal latency. */
  latencyMs: number;
}

/** What one load run does, validated. */
export interface LoadOptions {
  /** Servers to send to (given with --url, or filled in once --instances started them). */
  urls: string[];
  /** Servers to start; 0 with --url. */
  instances: number;
  /** PostgreSQL admin URL under which a fresh database is created and dropped (--instances > 1). */
  databaseUrl?: string;
  /** Open loop: turns per second at fixed intervals (latency corrected for coordinated omission). */
  rate?: number;
  /** Closed loop: players each waiting for their answer before the next turn. */
  concurrency?: number;
  durationMs: number;
  users: number;
  turnsPerSession: number;
  faults: LoadFaults;
  /** Percentage of players routed to AWF on the servers it starts. */
  percent: number;
  seed: number;
  json: boolean;
}

export const LOAD_HELP = `Usage: npm run load -- (--url URL | --instances N [--database-url URL]) [options]

Plays realistic sessions against AWF servers (sessions from a pool of users, free text and choices picked
from the previous answer), shows a progress bar on stderr, then reports throughput, latency
p50/p95/p99/max (HdrHistogram) per pipeline and per route reason, status codes, and checks:
  - every acknowledged turn is present in GET /api/sessions/:id (lost = 0), and no 5xx answer;
  - with --instances: the servers' slo-status --json counts equal the client's own counts, its
    retry and fallback rates lie inside the 99 % binomial ranges of the injected fault rates, and
    its p95 agrees with the client's (the sketch's 0.5 % error, plus the network for the wall time).

Target:
  --url URL              a running server (repeat it for several instances behind no balancer)
  --instances N          start N servers (node --import tsx backend/src/main.ts, PORT=0) and stop them
                         after: SQLite in a temp file for 1, PostgreSQL for more (1-16)
  --database-url URL     postgres://… admin connection: a fresh database is created and dropped after
                         (default: DATABASE_URL; needed for --instances above 1)
Load:
  --concurrency C        closed loop: C players, each waits for its answer (default 8; 1-1000)
  --rate R/s             open loop: R turns a second at fixed intervals; latency is measured from when
                         each turn was due (coordinated-omission corrected); e.g. 50/s or 50
  --duration D           how long turns are started, e.g. 30s, 2m, 500ms (default 30s; at most 1h)
  --users U              distinct user ids the sessions belong to (default 50)
  --turns-per-session T  turns before a player starts a new session (default 10; 1-1000)
  --seed S               seeds players, sessions and inputs (default 1)
Servers it starts:
  --faults SPEC          error=0.05,invalid=0.1,latency=800ms: AWF_LOCAL_ERROR_RATE, AWF_LOCAL_INVALID_RATE,
                         AWF_LOCAL_LATENCY_MS of their local model (only with --instances)
  --percent P            AWF rollout percentage (AWF_BUNDLE_ON=true, AWF_PERCENT_ROLLOUT=P; default 100)
Output:
  --json                 print one JSON object {summary, latency, statusCodes, server?, checks} instead of the report
  --help, -h             this text

Exit codes: 0 every check holds; 1 a check failed; 2 a flag is unknown, repeated or malformed;
3 a server could not be started or the run could not be checked.`;

export const LOAD_FLAGS: Flags = {
  url: { type: 'string', multiple: true },
  instances: { type: 'string' },
  'database-url': { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  users: { type: 'string' },
  'turns-per-session': { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'string' },
  percent: { type: 'string' },
  json: { type: 'boolean' },
};

/** "30s", "2m", "500ms", "1h" → milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

const duration = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 100 || ms > 3_600_000) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration from 100ms to 1h, e.g. 30s or 2m (got ${JSON.stringify(text)})`,
    });
    return z.NEVER;
  }
  return ms;
});

/** `error=0.05,invalid=0.1,latency=800ms` → LoadFaults; a message naming the bad part otherwise. */
export function parseFaults(text: string): LoadFaults | string {
  const faults: LoadFaults = { error: 0, invalid: 0, latencyMs: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=');
    if (key === undefined || value === undefined || extra !== undefined || value === '') {
      return `"${part}" is not key=value (keys: error, invalid, latency)`;
    }
    if (seen.has(key)) return `${key} given twice`;
    seen.add(key);
    if (key === 'error' || key === 'invalid') {
      const rate = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
      if (!(rate >= 0 && rate <= 1))
        return `${key} must be a fraction from 0 to 1 (got ${JSON.stringify(value)})`;
      faults[key] = rate;
    } else if (key === 'latency') {
      const ms = parseDurationMs(/^\d+(\.\d+)?$/.test(value) ? `${value}ms` : value);
      if (ms === undefined || ms > 60_000)
        return `latency must be a duration up to 60s, e.g. 800ms (got ${JSON.stringify(value)})`;
      faults.latencyMs = ms;
    } else {
      return `unknown fault ${JSON.stringify(key)} (keys: error, invalid, latency)`;
    }
  }
  return faults;
}

const faults = z.string().transform((text, ctx) => {
  const parsed = parseFaults(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const percent = z.string().transform((text, ctx) => {
  const value = /^\d{1,3}(\.\d{1,2})?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 100)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be 0-100 with at most two decimals (got ${JSON.stringify(text)})`,
    });
    return z.NEVER;
  }
  return value;
});

const httpUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search;
  } catch {
    return false;
  }
}, 'must be a server base URL such as http://127.0.0.1:3000');

/** The one schema the command line is parsed through. */
export const loadArgsSchema = z
  .object({
    url: z.array(httpUrl).optional(),
    instances: wholeNumberFlag(1, 16).optional(),
    'database-url': z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    concurrency: wholeNumberFlag(1, 1000).optional(),
    rate: turnsPerSecondFlag({ max: 100_000, example: '50/s' }).optional(),
    duration: duration.optional(),
    users: wholeNumberFlag(1, 1_000_000).optional(),
    'turns-per-session': wholeNumberFlag(1, 1000).optional(),
    seed: seedFlag().optional(),
    faults: faults.optional(),
    percent: percent.optional(),
    json: z.boolean().default(false),
  })
  .transform((args, ctx): LoadOptions => {
    const fail = (path: string, message: string) => {
      ctx.addIssue({ code: 'custom', path: [path], message });
      return z.NEVER;
    };
    if ((args.url === undefined) === (args.instances === undefined)) {
      return fail('url', 'give either --url URL (a running server) or --instances N (servers to start)');
    }
    if (args.rate !== undefined && args.concurrency !== undefined) {
      return fail('rate', 'give either --rate or --concurrency, not both');
    }
    if (args.url !== undefined) {
      if (args.faults)
        return fail('faults', 'only for servers it starts (--instances); set AWF_LOCAL_* on your server');
      if (args.percent !== undefined) return fail('percent', 'only for servers it starts (--instances)');
      if (args['database-url']) return fail('database-url', 'only with --instances');
    }
    return {
      urls: (args.url ?? []).map((url) => url.replace(/\/$/, '')),
      instances: args.instances ?? 0,
      ...(args['database-url'] ? { databaseUrl: args['database-url'] } : {}),
      ...(args.rate !== undefined ? { rate: args.rate } : { concurrency: args.concurrency ?? 8 }),
      durationMs: args.duration ?? 30_000,
      users: args.users ?? 50,
      turnsPerSession: args['turns-per-session'] ?? 10,
      faults: args.faults ?? { error: 0, invalid: 0, latencyMs: 0 },
      percent: args.percent ?? 100,
      seed: args.seed ?? 1,
      json: args.json,
    };
  });
