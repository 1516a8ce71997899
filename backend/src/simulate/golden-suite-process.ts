import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The golden runner's entry point (goldens/runner.ts), run as its own process: nothing here imports it. */
const RUNNER = fileURLToPath(new URL('../goldens/runner.ts', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Runs the full golden suite (`npm run awf:golden:test`) against the store at `sqlitePath`, as an
 * operator would before starting a plan, so the plan's goldens gate judges a real run on the content
 * the simulated process serves. Resolves with the runner's summary line; rejects when it did not pass.
 */
export function runGoldenSuite(sqlitePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', RUNNER, '--mode', 'verify'],
      {
        cwd: REPOSITORY,
        // Only what a child process needs and the store: never the caller's database or model settings.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWF_DB_PATH: sqlitePath },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const summary = stdout.trim().split('\n').at(-1) ?? '';
        if (error) {
          reject(new Error(`the golden suite did not pass (${summary || stderr.trim().split('\n').at(-1)})`));
          return;
        }
        resolve(summary);
      },
    );
  });
}
