import { UsageError } from '../cli/cli-errors.js';
import type { CliCommand, CliContext, OutputStream } from '../cli/cli-runner.js';
import { type LoadCheck, type ServerSloReport, sloChecks } from './load-checks.js';
import {
  type DriveResult,
  driveLoad,
  type Histogram,
  histogramOf,
  type LoadProgress,
  verifyAcknowledged,
} from './load-driver.js';
import {
  LOAD_MODEL_TIMEOUT_MS,
  type LoadInstances,
  runScript,
  startInstances,
  viewerToken,
} from './load-instances.js';
import { LOAD_FLAGS, LOAD_HELP, type LoadOptions, loadArgsSchema } from './load-options.js';

/** The SLO windows slo-status takes, smallest first, in minutes. */
const SLO_WINDOWS = [
  ['5m', 5],
  ['1h', 60],
  ['24h', 1440],
] as const;

/** Latency quantiles of one histogram, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function summarize(histogram: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

/** The whole outcome of a run: `--json` prints it as is. */
export interface LoadReport {
  summary: {
    turns: number;
    acknowledged: number;
    lost: number;
    status5xx: number;
    sessions: number;
    elapsedS: number;
    throughputPerS: number;
    mode: string;
    target: string;
  };
  latencyMs: {
    turns: LatencySummary;
    corrected?: LatencySummary;
    byPipeline: Record<string, LatencySummary>;
    byRouteReason: Record<string, LatencySummary>;
  };
  statusCodes: Record<string, Record<string, number>>;
  server?: ServerSloReport & { sloStatusExit: number | null };
  checks: LoadCheck[];
}

/** What load needs wired: nothing of the process's services (it is a client); kept for the runner's shape. */
export type LoadDeps = Record<string, never>;

/**
 * `npm run load`: start servers (or use --url), drive the load, read every acknowledged turn back,
 * stop the servers (each flushes its SLO aggregates), compare their slo-status with what the client
 * saw, print the report. Exit 0 every check holds, 1 one failed; the runner answers bad flags (2).
 */
export const loadCommand: CliCommand<typeof loadArgsSchema, LoadDeps> = {
  help: LOAD_HELP,
  flags: LOAD_FLAGS,
  schema: loadArgsSchema,
  async run(options, cli) {
    const databaseUrl = options.databaseUrl ?? cli.env.DATABASE_URL;
    if (options.instances > 1 && !databaseUrl) {
      throw new UsageError(
        'more than one instance needs PostgreSQL: give --database-url postgres://… or set DATABASE_URL',
        {
          flag: '--instances',
        },
      );
    }
    if (databaseUrl !== undefined && options.instances > 0 && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new UsageError('DATABASE_URL must start with postgres:// or postgresql://', {
        flag: '--database-url',
      });
    }
    const report = await runLoad(
      { ...options, ...(options.instances > 1 && databaseUrl ? { databaseUrl } : {}) },
      cli,
    );
    cli.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatLoadReport(report));
    return report.checks.every((check) => check.ok) ? 0 : 1;
  },
};

async function runLoad(options: LoadOptions, cli: CliContext<LoadDeps>): Promise<LoadReport> {
  const startedAt = Date.now();
  let instances: LoadInstances | undefined;
  try {
    let urls = options.urls;
    let token: string | undefined;
    if (options.instances > 0) {
      cli.note(
        `load: starting ${options.instances} server${options.instances === 1 ? '' : 's'} on ${options.databaseUrl ? 'PostgreSQL' : 'SQLite'}…`,
      );
      instances = await startInstances({
        instances: options.instances,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        faults: options.faults,
        percent: options.percent,
      });
      urls = instances.urls;
      token = await viewerToken(instances.storeEnv);
    }
    const bar = progressBar(cli.stderr);
    const drive = await driveLoad({
      urls,
      durationMs: options.durationMs,
      ...(options.rate !== undefined ? { rate: options.rate } : { concurrency: options.concurrency ?? 8 }),
      users: options.users,
      turnsPerSession: options.turnsPerSession,
      seed: options.seed,
      onProgress: bar.update,
    });
    bar.done(drive);
    const verification = await verifyAcknowledged(urls, drive.acknowledged, drive.statusCodes);
    const status5xx = Object.values(drive.statusCodes)
      .flatMap((byStatus) => Object.entries(byStatus))
      .filter(([status]) => /^5\d\d$/.test(status))
      .reduce((sum, [, n]) => sum + n, 0);

    const checks: LoadCheck[] = [
      {
        name: 'turns acknowledged',
        ok: drive.acknowledged.length > 0,
        detail: `${drive.acknowledged.length} of ${drive.turnsSent} turns answered 200`,
      },
      {
        name: 'no acknowledged turn lost',
        ok: verification.lost === 0,
        detail:
          verification.lost === 0
            ? `all ${drive.acknowledged.length} acknowledged turns are in GET /api/sessions/:id as answered`
            : `${verification.lost} missing or different, e.g. ${verification.lostExamples.join('; ')}`,
      },
      { name: 'no 5xx', ok: status5xx === 0, detail: `${status5xx} answers with a 5xx status` },
    ];

    let server: LoadReport['server'];
    if (instances && token) {
      // Each server flushes its SLO aggregates as it stops; then the store holds every turn of the run.
      await instances.stop();
      const minutes = (Date.now() - startedAt) / 60_000 + 1;
      const window = SLO_WINDOWS.find(([, span]) => span > minutes)?.[0] ?? '7d';
      const run = await runScript('slo-status', ['--window', window, '--json'], {
        ...instances.storeEnv,
        AWF_ADMIN_TOKEN: token,
      });
      if (run.code !== 0 && run.code !== 1) {
        throw new Error(`slo-status --json failed (exit ${run.code}): ${run.stderr.trim()}`);
      }
      const report = JSON.parse(run.stdout) as ServerSloReport;
      server = { ...report, sloStatusExit: run.code };
      checks.push(
        ...sloChecks({
          report,
          acknowledged: drive.acknowledged,
          faults: options.faults,
          modelTimeoutMs: LOAD_MODEL_TIMEOUT_MS,
        }),
      );
    }

    const byRouteReason = new Map<string, Histogram>();
    for (const turn of drive.acknowledged) {
      const reason = verification.routeReasons.get(`${turn.sessionId}:${turn.turnNo}`);
      if (reason === undefined) continue;
      histogramOf(byRouteReason, reason).recordValue(turn.wallUs);
    }
    const mode =
      options.rate !== undefined
        ? `open loop ${options.rate}/s`
        : `closed loop ${options.concurrency} player${options.concurrency === 1 ? '' : 's'}`;
    const target =
      options.instances > 0
        ? `${options.instances} instance${options.instances === 1 ? '' : 's'} started (${instances?.store === 'postgres' ? 'PostgreSQL' : 'SQLite'})`
        : urls.join(', ');
    return {
      summary: {
        turns: drive.turnsSent,
        acknowledged: drive.acknowledged.length,
        lost: verification.lost,
        status5xx,
        sessions: drive.sessionsStarted,
        elapsedS: Math.round(drive.elapsedMs) / 1000,
        throughputPerS: Math.round((drive.acknowledged.length / (drive.elapsedMs / 1000)) * 10) / 10,
        mode,
        target,
      },
      latencyMs: {
        turns: summarize(drive.turnLatency),
        ...(drive.correctedLatency ? { corrected: summarize(drive.correctedLatency) } : {}),
        byPipeline: Object.fromEntries([...drive.byPipeline].map(([name, h]) => [name, summarize(h)])),
        byRouteReason: Object.fromEntries([...byRouteReason].map(([name, h]) => [name, summarize(h)])),
      },
      statusCodes: drive.statusCodes,
      ...(server ? { server } : {}),
      checks,
    };
  } finally {
    await instances?.cleanUp();
  }
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per tenth of the run otherwise. */
function progressBar(stream: OutputStream): {
  update(progress: LoadProgress): void;
  done(result: DriveResult): void;
} {
  let lastTenth = -1;
  const line = (p: LoadProgress) => {
    const fraction = p.durationMs === 0 ? 1 : p.elapsedMs / p.durationMs;
    const filled = Math.round(fraction * 30);
    const rate = p.elapsedMs > 0 ? (p.acknowledged / (p.elapsedMs / 1000)).toFixed(1) : '0.0';
    return `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(p.elapsedMs / 1000).toFixed(1)}/${(p.durationMs / 1000).toFixed(1)} s  ${p.turnsSent} turns  ${rate}/s  5xx ${p.status5xx}`;
  };
  return {
    update(progress) {
      if (stream.isTTY) {
        stream.write(`\r${line(progress)}`);
        return;
      }
      const tenth = Math.floor((progress.elapsedMs / progress.durationMs) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(progress)}\n`);
      }
    },
    done(result) {
      const final: LoadProgress = {
        elapsedMs: result.elapsedMs,
        durationMs: result.elapsedMs,
        turnsSent: result.turnsSent,
        acknowledged: result.acknowledged.length,
        status5xx: Object.values(result.statusCodes)
          .flatMap((s) => Object.entries(s))
          .filter(([status]) => status.startsWith('5'))
          .reduce((sum, [, n]) => sum + n, 0),
      };
      stream.write(`${stream.isTTY ? '\r' : ''}${line(final)}\n`);
    },
  };
}

/** The human report: summary, latency table, status codes, the servers' SLO view, checks. */
export function formatLoadReport(report: LoadReport): string {
  const { summary, latencyMs } = report;
  const lines = [
    `Load: ${summary.target}, ${summary.mode}, ${summary.elapsedS} s`,
    `Turns: ${summary.turns} sent, ${summary.acknowledged} acknowledged (${summary.throughputPerS}/s), ${summary.sessions} sessions, ${summary.lost} lost, ${summary.status5xx} 5xx`,
    '',
  ];
  const rows: Array<[string, LatencySummary]> = [
    ['all turns (wall)', latencyMs.turns],
    ...(latencyMs.corrected
      ? [['all turns, from when due', latencyMs.corrected] as [string, LatencySummary]]
      : []),
    ...Object.entries(latencyMs.byPipeline).map(
      ([name, s]) => [`pipeline ${name}`, s] as [string, LatencySummary],
    ),
    ...Object.entries(latencyMs.byRouteReason).map(
      ([name, s]) => [`route ${name}`, s] as [string, LatencySummary],
    ),
  ];
  const width = Math.max(24, ...rows.map(([name]) => name.length));
  lines.push(
    `${'latency (ms)'.padEnd(width)}  ${['count', 'p50', 'p95', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`,
  );
  for (const [name, s] of rows) {
    lines.push(
      `${name.padEnd(width)}  ${[s.count, s.p50, s.p95, s.p99, s.max].map((v) => String(v).padStart(9)).join('')}`,
    );
  }
  lines.push('');
  lines.push('Status codes:');
  for (const [route, byStatus] of Object.entries(report.statusCodes)) {
    lines.push(
      `  ${route}: ${Object.entries(byStatus)
        .map(([status, n]) => `${status} x${n}`)
        .join(', ')}`,
    );
  }
  if (report.server) {
    const { awf, legacy } = report.server;
    lines.push('');
    lines.push(
      `Server (slo-status --json, window ${report.server.window}, ${report.server.instances.length} instance${report.server.instances.length === 1 ? '' : 's'}, exit ${report.server.sloStatusExit}): ` +
        `AWF ${awf.turns} turns, ${awf.retries} retries, ${awf.fallbacks} fallbacks, p95 ${awf.latencyP95Ms?.toFixed(3) ?? '-'} ms; legacy ${legacy.turns} turns`,
    );
  }
  lines.push('');
  lines.push('Checks:');
  for (const check of report.checks)
    lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  const failed = report.checks.filter((check) => !check.ok).length;
  lines.push('');
  lines.push(
    failed === 0
      ? `Result: all ${report.checks.length} checks hold`
      : `Result: ${failed} of ${report.checks.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}
