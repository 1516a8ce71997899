/**
 * Runs the full golden suite (`npm run awf:golden:test`) in a child process for the plan's controller:
 * the suite plays every scenario through the whole pipeline for seconds of CPU, which in the server's
 * own event loop would stall every request and turn. The runner stores the run itself (as any run, with
 * `--source plan-controller` and its code version) in the store this process uses; its JSON report says
 * which run id it stored. Nothing here imports the golden runner (it is a test tool, check:deps).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Config } from '../config/config.js';

const RUNNER = fileURLToPath(new URL('../goldens/runner.ts', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../goldens', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));

/** A run still going after this long is killed (the suite takes seconds): close() never waits forever. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** What the runner is stored as having been started by. */
export const PLAN_CONTROLLER_SOURCE = 'plan-controller';

/** The fields of the runner's `--json` report the controller reads. */
const RunnerReport = z.object({
  runId: z.string().min(1),
  exitCode: z.number().int(),
  stored: z.boolean(),
});

export interface GoldenSuiteOutcome {
  /** The stored run, or null when nothing was stored (then `error` says why). */
  runId: string | null;
  error: string | null;
}

export interface GoldenSuiteLauncher {
  /** Starts one full verify run; `done` settles (never rejects) once the child has ended. */
  start(): { pid: number | null; done: Promise<GoldenSuiteOutcome> };
}

/**
 * A launcher for this checkout and store, or the reason it cannot run here: no golden runner or
 * scenarios beside the code (a build without them), or an in-memory store a child cannot reach.
 */
export function createGoldenSuiteProcess(options: {
  store: Config['store'];
  contentDir: string;
}): GoldenSuiteLauncher | { unavailable: string } {
  if (!existsSync(RUNNER) || !existsSync(SCENARIOS)) {
    return { unavailable: 'the golden runner and its scenarios are not beside this code' };
  }
  if (!options.store.databaseUrl && options.store.sqlitePath === ':memory:') {
    return { unavailable: 'the store is an in-memory SQLite database a child process cannot reach' };
  }
  // Only what the child needs: the store (so the run is stored where the plan reads it), never the
  // caller's model settings; CI=true so the run never writes golden files into the checkout.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    CI: 'true',
    ...(options.store.databaseUrl
      ? { DATABASE_URL: options.store.databaseUrl }
      : { AWF_DB_PATH: options.store.sqlitePath }),
  };
  const args = [
    '--import',
    'tsx',
    RUNNER,
    '--mode',
    'verify',
    '--json',
    '--source',
    PLAN_CONTROLLER_SOURCE,
    '--content-dir',
    options.contentDir,
  ];
  return {
    start() {
      let resolveDone: (outcome: GoldenSuiteOutcome) => void = () => {};
      const done = new Promise<GoldenSuiteOutcome>((resolve) => {
        resolveDone = resolve;
      });
      const child = execFile(
        process.execPath,
        args,
        { cwd: REPOSITORY, env, maxBuffer: 64 * 1024 * 1024, timeout: RUN_TIMEOUT_MS },
        (error, stdout, stderr) => {
          const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
          let report: z.infer<typeof RunnerReport> | undefined;
          try {
            const parsed = RunnerReport.safeParse(JSON.parse(stdout));
            if (parsed.success) report = parsed.data;
          } catch {
            // Not a report: a usage or input error (exit 2) prints one line on stderr instead.
          }
          if (report?.stored) {
            resolveDone({ runId: report.runId, error: null });
            return;
          }
          const why = report
            ? `run ${report.runId} was not stored (${lastLine(stderr) || 'see the server log'})`
            : `the golden runner failed: ${lastLine(stderr) || error?.message || 'no report'}`;
          resolveDone({ runId: null, error: why });
        },
      );
      return { pid: child.pid ?? null, done };
    },
  };
}
