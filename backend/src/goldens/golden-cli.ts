import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CliCommand, type OutputStream, runCli } from '../cli/cli-runner.js';
import { ConfigError, parseConfig } from '../config/config.js';
import { codeVersion } from '../shared/code-version.js';
import { AppError } from '../shared/errors.js';
import { type Database, openDatabase } from '../store/database.js';
import {
  DEFAULT_CONTENT_DIR,
  DEFAULT_SCENARIO_DIR,
  HELP,
  RUNNER_FLAGS,
  type RunnerOptions,
  RunnerOptionsSchema,
  runnerOptionsOf,
} from './cli-options.js';
import {
  createProgressBar,
  type ReportStream,
  renderHumanReport,
  renderJsonReport,
  renderJunitReport,
} from './golden-report.js';
import { type GoldenRun, type GoldenRunModel, LOCAL_RUN_MODEL } from './golden-run-store.js';
import { runSampledSuite } from './golden-sampling.js';
import { runGoldenSuite, type SuiteOptions, type SuiteReport } from './golden-suite.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';
import {
  createSampleProgress,
  goldenRunOfSampled,
  renderSampledHumanReport,
  renderSampledJsonReport,
  renderSampledJunitReport,
} from './sampled-report.js';
import { modelSettingsEnv } from './scenario-player.js';

export interface CliIo {
  stdout: ReportStream;
  stderr: ReportStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** What a run can be given besides its flags: tests wrap the model provider. */
export type GoldenDeps = Pick<SuiteOptions, 'wrapProvider'>;

const RUNNER_FILE = path.resolve(import.meta.dirname, 'runner.ts');

/** CI=true (or any value but false/0): golden files are never written. */
export function isCi(env: CliIo['env']): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * `tsx backend/src/goldens/runner.ts`: run the suite, store the results, print the report. Returns
 * 0 passed (or written) or 1 a scenario failed; input errors (a malformed or unknown scenario, a
 * write refused under CI) are exit 2 through the runner, with the error's JSON body on stdout under --json.
 */
export const goldenCommand: CliCommand<typeof RunnerOptionsSchema, GoldenDeps> = {
  help: HELP,
  flags: RUNNER_FLAGS,
  schema: RunnerOptionsSchema,
  async run(args, cli) {
    const options = runnerOptionsOf(args, cli.cwd);
    const io = {
      stdout: cli.stdout as ReportStream,
      stderr: cli.stderr as ReportStream,
      env: cli.env,
      cwd: cli.cwd,
    };
    const display = (file: string): string => path.relative(io.cwd, file) || '.';
    if (options.sampling) return runSampled(options, options.sampling, io, display, cli.deps);
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
        ...cli.deps,
      });
    } catch (error) {
      if (
        options.json &&
        error instanceof AppError &&
        !(error instanceof ConfigError) &&
        error.statusCode < 500
      ) {
        io.stdout.write(`${JSON.stringify(error.toJSON(), null, 2)}\n`);
      }
      throw error;
    } finally {
      progress.clear();
    }

    const storedAs = options.store
      ? await storeResults({ ...goldenRunOf(report), ...provenance(options) }, io)
      : undefined;
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
  },
};

/**
 * The runner's command line in this process (tests): the shared CLI runner over `goldenCommand`.
 * Returns the exit code: 0 passed (or written), 1 a scenario failed, 2 usage or input error, 3 a
 * runtime failure.
 */
export function runGoldenCli(argv: readonly string[], io: CliIo, hooks: GoldenDeps = {}): Promise<number> {
  return runCli(goldenCommand, () => ({ deps: hooks }), {
    argv,
    stdin: process.stdin,
    stdout: io.stdout as OutputStream,
    stderr: io.stderr as OutputStream,
    env: io.env,
    cwd: io.cwd,
  });
}

/**
 * Store the run in the configured store (AWF_DB_PATH / DATABASE_URL, as the server would use), also
 * under CI: it is a row in a results table, not a golden file. A store that cannot be reached is a
 * warning, not a failed run: the golden outcome itself is still what the exit code says.
 */
async function storeResults(run: GoldenRun, io: CliIo): Promise<string | undefined> {
  if (run.results.length === 0) return undefined;
  let database: Database | undefined;
  try {
    const config = parseConfig(io.env);
    database = await openDatabase(config.store);
    await createKyselyGoldenRunStore(database.db).saveRun(run);
    return run.runId;
  } catch (error) {
    const reason = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    io.stderr.write(`warning: golden results not stored: ${reason}\n`);
    return undefined;
  } finally {
    await database?.close();
  }
}

/** Which code the run tested and who started it: stored with the run (the plan's goldens gate compares both). */
function provenance(options: RunnerOptions): Pick<GoldenRun, 'codeVersion' | 'source'> {
  return { codeVersion: codeVersion(), source: options.source };
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
    models: { awf: LOCAL_RUN_MODEL, legacy: LOCAL_RUN_MODEL },
    samplesRequested: 1,
    partial: false,
    results: report.units.map((unit) => ({
      scenario: unit.scenario,
      pipeline: unit.pipeline,
      status: unit.status,
      turns: unit.turns,
      durationMs: unit.durationMs,
      ...(unit.failures[0] ? { failure: unit.failures[0] } : {}),
      ...(unit.diff ? { diff: unit.diff } : {}),
    })),
  };
}

/**
 * A sampled run against the configured real model: model settings from the environment as the server
 * reads them (a bad one is exit 2 before anything plays), N plays per scenario, the table, the stored
 * run (provider, model names, samples, thresholds, tokens; marked partial when the token guard stopped
 * it). Returns 0 / 1, or 2 when stopped by --max-tokens-total.
 */
async function runSampled(
  options: RunnerOptions,
  sampling: NonNullable<RunnerOptions['sampling']>,
  io: CliIo,
  display: (file: string) => string,
  deps: GoldenDeps,
): Promise<number> {
  const modelEnv = modelSettingsEnv(io.env);
  const config = parseConfig(modelEnv);
  const awf: GoldenRunModel = { provider: 'openai', name: config.model.openai.model };
  const legacy: GoldenRunModel =
    config.legacyModel.provider === 'openai'
      ? { provider: 'openai', name: config.legacyModel.openai.model }
      : LOCAL_RUN_MODEL;
  const progress = createSampleProgress(
    io.stderr,
    options.json ? 'none' : io.stderr.isTTY === true ? 'bar' : 'lines',
  );
  let report: Awaited<ReturnType<typeof runSampledSuite>>;
  try {
    report = await runSampledSuite({
      dir: options.dir,
      contentDir: options.contentDir,
      scenarios: options.scenarios,
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      samples: sampling.samples,
      passRate: sampling.passRate,
      concurrency: sampling.concurrency,
      ...(sampling.maxTokensTotal !== undefined ? { maxTokensTotal: sampling.maxTokensTotal } : {}),
      modelEnv,
      models: { awf, legacy },
      maxOutputTokens: {
        awf: config.model.openai.maxOutputTokens,
        legacy: config.legacyModel.openai.maxOutputTokens,
      },
      displayPath: display,
      onProgress: ({ done, total, scenario, finished }) => progress.update(done, total, scenario, finished),
      ...(deps.wrapProvider ? { wrapProvider: deps.wrapProvider } : {}),
    });
  } catch (error) {
    if (
      options.json &&
      error instanceof AppError &&
      !(error instanceof ConfigError) &&
      error.statusCode < 500
    ) {
      io.stdout.write(`${JSON.stringify(error.toJSON(), null, 2)}\n`);
    }
    throw error;
  } finally {
    progress.clear();
  }
  const storedAs = options.store
    ? await storeResults({ ...goldenRunOfSampled(report), ...provenance(options) }, io)
    : undefined;
  if (options.junit) {
    mkdirSync(path.dirname(options.junit), { recursive: true });
    writeFileSync(options.junit, renderSampledJunitReport(report));
  }
  const extra = storedAs ? { storedAs } : {};
  if (options.json) io.stdout.write(renderSampledJsonReport(report, extra));
  else {
    io.stdout.write(
      renderSampledHumanReport(report, { color: io.stdout.isTTY === true && !io.env.NO_COLOR, ...extra }),
    );
  }
  return report.exitCode;
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
