import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';

/** One stored full golden verify run, as the decommission check weighs it. */
export interface VerifyRunSummary {
  runId: string;
  /** ISO 8601: the run's start. */
  startedAt: string;
  harnessVersion: string;
  /** Who answered the AWF calls: `local` (a regression run) or `openai`. */
  provider: string;
  scenarios: number;
  /** `scenario (pipeline)` of every scenario that did not pass. */
  failing: string[];
}

/**
 * What the decommission check reads about golden runs (CONVENTIONS 3: a read model over the stored
 * results, as the rollout reads turns; the golden runner itself is a test tool nothing imports).
 */
export interface GoldenRunsReadModel {
  /**
   * The latest `limit` full verify runs (every scenario at its own pipeline, not stopped early) against
   * `contentHash`, newest first.
   */
  latestFullVerifyRuns(contentHash: string, limit: number): Promise<VerifyRunSummary[]>;
}

/** The read model over `golden_runs` (one row per scenario per run). */
export function createKyselyGoldenRunsReadModel(db: Kysely<DatabaseSchema>): GoldenRunsReadModel {
  return {
    async latestFullVerifyRuns(contentHash, limit) {
      const runs = await db
        .selectFrom('golden_runs')
        .select(['run_id', 'started_at'])
        .where('mode', '=', 'verify')
        .where('full_run', '=', 1)
        .where('partial', '=', 0)
        .where('content_hash', '=', contentHash)
        .groupBy(['run_id', 'started_at'])
        .orderBy('started_at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(limit)
        .execute();
      if (runs.length === 0) return [];
      const rows = await db
        .selectFrom('golden_runs')
        .select(['run_id', 'scenario', 'pipeline', 'status', 'harness_version', 'provider'])
        .where(
          'run_id',
          'in',
          runs.map((run) => run.run_id),
        )
        .orderBy('scenario')
        .orderBy('pipeline')
        .execute();
      return runs.map((run) => {
        const mine = rows.filter((row) => row.run_id === run.run_id);
        return {
          runId: run.run_id,
          startedAt: run.started_at,
          harnessVersion: mine[0]?.harness_version ?? '',
          provider: mine[0]?.provider ?? 'local',
          scenarios: mine.length,
          failing: mine
            .filter((row) => row.status !== 'passed')
            .map((row) => `${row.scenario} (${row.pipeline})`),
        };
      });
    },
  };
}
