import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import { type Database, openDatabase } from '../store/database.js';
import {
  DEFAULT_CONTENT_DIR,
  DEFAULT_SCENARIO_DIR,
  HELP,
  parseRunnerArgs,
  type RunnerOptions,
} from './cli-options.js';
import {
  createProgressBar,
  type ReportStream,
  renderHumanReport,
  renderJsonReport,
  renderJunitReport,
} from './golden-report.js';
import type { GoldenRun } from './golden-run-store.js';
import { runGoldenSuite, type SuiteOptions, type SuiteReport } from './golden-suite.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';

export interface CliIo {
  stdout: ReportStream;
  stderr: ReportStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

const RUNNER_FILE = path.resolve(import.meta.dirname, 'runner.ts');

/** CI=true (or any value but false/0): golden files are never written. */
export function isCi(env: CliIo['env']): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * The runner's command line: parse flags, run the suite, store the results, print the report.
 * Returns the exit code: 0 passed (or written), 1 a scenario failed, 2 usage or input error.
 */
export async function runGoldenCli(
  argv: readonly string[],
  io: CliIo,
  hooks: Pick<SuiteOptions, 'wrapProvider'> = {},
): Promise<number> {
  let options: RunnerOptions;
  try {
    options = parseRunnerArgs(argv, io.cwd);
  } catch (error) {
    return reportError(error, io, argv.includes('--json'));
  }
  if (options.help) {
    io.stdout.write(HELP);
    return 0;
  }

  const display = (file: string): string => path.relative(io.cwd, file) || '.';
  const progress = createProgressBar(io.stderr, !options.json && io.stderr.isTTY === true);
  let report: SuiteReport;
  try {
    report = await runGoldenSuite({
      mode: options.mode,
      dir: options.dir,
      contentDir: options.contentDir,
      scenarios: options.scenarios,
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      jobs: options.jobs,
      prune: options.prune,
      ci: isCi(io.env),
      expand: options.expand,
      displayPath: display,
      onProgress: ({ done, total, scenario }) => progress.update(done, total, scenario),
      ...hooks,
    });
  } catch (error) {
    return reportError(error, io, options.json);
  } finally {
    progress.clear();
  }

  const storedAs = options.store ? await storeResults(report, io) : undefined;
  const acceptCommand = acceptCommandFor(report, options, io.cwd);
  if (options.junit) {
    mkdirSync(path.dirname(options.junit), { recursive: true });
    writeFileSync(options.junit, renderJunitReport(report));
  }
  const extra = { ...(acceptCommand ? { acceptCommand } : {}), ...(storedAs ? { storedAs } : {}) };
  if (options.json) io.stdout.write(renderJsonReport(report, extra));
  else {
    io.stdout.write(
      renderHumanReport(report, { color: io.stdout.isTTY === true && !io.env.NO_COLOR, ...extra }),
    );
  }
  return report.exitCode;
}

/** Usage and input errors: one line on stderr (and a JSON body with --json), exit 2. */
function reportError(error: unknown, io: CliIo, json: boolean): number {
  if (error instanceof ConfigError || (error instanceof AppError && error.statusCode < 500)) {
    const appError = error as AppError;
    io.stderr.write(`error: ${appError.message.split('\n').join('; ')}\n`);
    if (json) io.stdout.write(`${JSON.stringify(appError.toJSON(), null, 2)}\n`);
    return 2;
  }
  io.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

/**
 * Store the run in the configured store (AWF_DB_PATH / DATABASE_URL, as the server would use), also
 * under CI: it is a row in a results table, not a golden file. A store that cannot be reached is a
 * warning, not a failed run: the golden outcome itself is still what the exit code says.
 */
async function storeResults(report: SuiteReport, io: CliIo): Promise<string | undefined> {
  if (report.units.length === 0) return undefined;
  let database: Database | undefined;
  try {
    const config = parseConfig(io.env);
    database = await openDatabase(config.store);
    await createKyselyGoldenRunStore(database.db).saveRun(goldenRunOf(report));
    return report.runId;
  } catch (error) {
    const reason = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    io.stderr.write(`warning: golden results not stored: ${reason}\n`);
    return undefined;
  } finally {
    await database?.close();
  }
}

/** The stored form of a report. */
export function goldenRunOf(report: SuiteReport): GoldenRun {
  return {
    runId: report.runId,
    mode: report.mode,
    fullRun: report.fullRun,
    startedAt: report.startedAt,
    contentHash: report.contentHash,
    harnessVersion: report.harnessVersion,
    results: report.units.map((unit) => ({
      scenario: unit.scenario,
      pipeline: unit.pipeline,
      status: unit.status,
      turns: unit.turns,
      durationMs: unit.durationMs,
      ...(unit.failures[0] ? { failure: unit.failures[0] } : {}),
    })),
  };
}

/** `npx tsx backend/src/goldens/runner.ts --update --scenario …`, with the flags that chose the goldens. */
function acceptCommandFor(report: SuiteReport, options: RunnerOptions, cwd: string): string | undefined {
  const names = [...new Set(report.units.filter((unit) => unit.acceptable).map((unit) => unit.scenario))];
  if (names.length === 0) return undefined;
  const args = ['npx', 'tsx', path.relative(cwd, RUNNER_FILE), '--update'];
  for (const name of names) args.push('--scenario', name);
  if (options.pipeline) args.push('--pipeline', options.pipeline);
  if (options.dir !== DEFAULT_SCENARIO_DIR) args.push('--dir', path.relative(cwd, options.dir) || '.');
  if (options.contentDir !== DEFAULT_CONTENT_DIR)
    args.push('--content-dir', path.relative(cwd, options.contentDir) || '.');
  return args.map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
