import type { GoldenRun, GoldenRunStore } from './golden-run-store.js';

/** Whether "golden tests pass", read from stored runs: what the dashboard and the decommission check ask. */
export interface GoldenStatus {
  passing: boolean;
  /** One sentence: why passing is what it is. */
  reason: string;
  /** The run the answer is based on: the latest full verify run. */
  run?: GoldenRun;
  failing: string[];
}

export interface GoldenStatusOptions {
  /** The content the process serves (services.content.hash): a run against other content does not count. */
  contentHash?: string;
  /** A run older than this does not count (e.g. 7 days for the decommission check). */
  maxAgeMs?: number;
  now?: Date;
}

/**
 * "Golden tests passing" = the latest full verify run (every scenario at its own pipeline, compared with
 * its golden file and its expectations) passed every scenario — and, when asked, ran against this
 * content and recently enough. Partial runs and record or test runs never decide it.
 */
export async function readGoldenStatus(
  store: GoldenRunStore,
  options: GoldenStatusOptions = {},
): Promise<GoldenStatus> {
  const [run] = await store.listRuns({ mode: 'verify', fullRunOnly: true, limit: 1 });
  if (!run) return { passing: false, reason: 'no full golden verify run has been stored', failing: [] };
  const failing = run.results
    .filter((result) => result.status !== 'passed')
    .map((result) => `${result.scenario} (${result.pipeline})`);
  const label = `golden verify run ${run.runId} at ${run.startedAt}`;
  if (failing.length > 0) {
    return {
      passing: false,
      reason: `${label}: ${failing.length} of ${run.results.length} scenario(s) failed: ${failing.join(', ')}`,
      run,
      failing,
    };
  }
  if (options.contentHash !== undefined && run.contentHash !== options.contentHash) {
    return {
      passing: false,
      reason: `${label} ran against other content (${run.contentHash.slice(0, 12)}…, serving ${options.contentHash.slice(0, 12)}…)`,
      run,
      failing,
    };
  }
  const now = options.now ?? new Date();
  if (options.maxAgeMs !== undefined && now.getTime() - Date.parse(run.startedAt) > options.maxAgeMs) {
    return {
      passing: false,
      reason: `${label} is older than ${Math.round(options.maxAgeMs / 3_600_000)} h`,
      run,
      failing,
    };
  }
  return { passing: true, reason: `${label}: all ${run.results.length} scenario(s) passed`, run, failing };
}
