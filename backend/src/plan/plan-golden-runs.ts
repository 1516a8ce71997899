/**
 * The controller's own golden runs (plans started with runGoldens): when no stored run matches the
 * served content and code, one full suite is started in a child process — at most one at a time in this
 * process, never awaited by an evaluation (the gate holds `goldens_running` meanwhile) — and the
 * evaluation after it is stored judges it like any run. One attempt per content and code; a run that
 * stored nothing is tried again only after `retryAfterMs`.
 */
import type { GoldenSuiteLauncher } from './golden-suite-process.js';
import type { ControllerGoldenRun } from './plan-gates.js';

/** A failed attempt (nothing stored) is tried again after this long. */
export const GOLDEN_RETRY_AFTER_MS = 15 * 60_000;

export interface ControllerGoldenRuns {
  /** The run for `served`: the one in flight, the one this process tried, or a new one started now. */
  ensure(served: { contentHash: string; codeVersion: string }): ControllerGoldenRun;
  /** Resolves once no run started here is in flight. */
  settled(): Promise<void>;
}

export function createControllerGoldenRuns(deps: {
  launcher: GoldenSuiteLauncher | { unavailable: string };
  clock: () => Date;
  log: { info(message: string): void; warn(message: string): void };
  retryAfterMs?: number;
}): ControllerGoldenRuns {
  const retryAfterMs = deps.retryAfterMs ?? GOLDEN_RETRY_AFTER_MS;
  let inFlight: { run: ControllerGoldenRun; done: Promise<void> } | undefined;
  /** The last attempt for each content and code this process served (a handful at most). */
  const attempts = new Map<string, ControllerGoldenRun>();

  return {
    ensure(served) {
      // One at a time: a run for other content or code still in flight is waited for first.
      if (inFlight) return inFlight.run;
      const key = `${served.contentHash}\n${served.codeVersion}`;
      const previous = attempts.get(key);
      const now = deps.clock();
      if (
        previous &&
        (previous.state !== 'failed' || now.getTime() - Date.parse(previous.startedAt) < retryAfterMs)
      ) {
        return previous;
      }
      const base = {
        startedAt: now.toISOString(),
        contentHash: served.contentHash,
        codeVersion: served.codeVersion,
        runId: null,
      };
      const launcher = deps.launcher;
      if ('unavailable' in launcher) {
        const failed: ControllerGoldenRun = {
          ...base,
          state: 'failed',
          pid: null,
          error: `this process cannot run the golden suite: ${launcher.unavailable}`,
        };
        attempts.set(key, failed);
        return failed;
      }
      const { pid, done } = launcher.start();
      const run: ControllerGoldenRun = { ...base, state: 'running', pid, error: null };
      attempts.set(key, run);
      deps.log.info(
        `plan controller: running the golden suite (pid ${pid ?? '?'}) for content ${served.contentHash.slice(0, 12)}… and code ${served.codeVersion}`,
      );
      inFlight = {
        run,
        done: done.then((outcome) => {
          const ended: ControllerGoldenRun = {
            ...run,
            state: outcome.runId ? 'finished' : 'failed',
            runId: outcome.runId,
            error: outcome.error,
          };
          attempts.set(key, ended);
          if (attempts.size > 8) attempts.delete(attempts.keys().next().value as string);
          inFlight = undefined;
          if (outcome.runId) deps.log.info(`plan controller: golden run ${outcome.runId} stored`);
          else deps.log.warn(`plan controller: the golden suite stored nothing: ${outcome.error}`);
        }),
      };
      return run;
    },
    async settled() {
      while (inFlight) await inFlight.done;
    },
  };
}
