import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';

/**
 * The stored golden runs read as data, for every capability that weighs them: the dashboard shows
 * them, the plan's goldens gate and the decommission check judge them (CONVENTIONS 3: one read model
 * over `golden_runs`, one row per scenario per run; runtime code never imports the golden runner's
 * folder, which writes the table).
 */
export interface GoldenRunsReadModel {
  /** The latest `limit` runs of any kind, newest first, every scenario's result with its diff. */
  latestRuns(limit: number): Promise<GoldenRunView[]>;
  /**
   * The latest `limit` full verify runs (every scenario, not stopped early), newest first, on the given
   * content and, when given, code version.
   */
  latestFullVerifyRuns(
    on: { contentHash?: string; codeVersion?: string },
    limit: number,
  ): Promise<GoldenRunSummary[]>;
}

/** One full verify run, as a gate or a check weighs it. */
export interface GoldenRunSummary {
  runId: string;
  /** ISO 8601: the run's start. */
  startedAt: string;
  contentHash: string;
  /** The code it tested (shared/code-version.ts); null for runs stored before migration 015. */
  codeVersion: string | null;
  harnessVersion: string;
  /** Who started it: `cli`, `plan-controller`; null for runs stored before migration 015. */
  source: string | null;
  /** Who answered the AWF calls: `local` (a regression run) or `openai`. */
  provider: string;
  scenarios: number;
  /** `scenario (pipeline)` of every scenario that did not pass. */
  failing: string[];
}

/** One scenario's outcome in a stored golden run, as the dashboard shows it. */
export interface GoldenScenarioView {
  scenario: string;
  pipeline: 'awf' | 'legacy';
  status: 'passed' | 'failed' | 'written' | 'unchanged';
  turns: number;
  durationMs: number;
  failure: string | null;
  /** The unified diff against the golden of a failed verify (runs stored since migration 013). */
  diff: string | null;
}

export interface GoldenRunView {
  runId: string;
  mode: 'record' | 'verify' | 'test';
  fullRun: boolean;
  startedAt: string;
  contentHash: string;
  model: { provider: string; name: string };
  passed: number;
  failed: number;
  results: GoldenScenarioView[];
}

/** The read model over `db`: a database, or a transaction when a decision must read inside its own. */
export function createGoldenRunsReadModel(db: Kysely<DatabaseSchema>): GoldenRunsReadModel {
  const rowsOf = (runIds: string[]) =>
    db
      .selectFrom('golden_runs')
      .selectAll()
      .where('run_id', 'in', runIds)
      .orderBy('scenario')
      .orderBy('pipeline')
      .execute();

  return {
    async latestRuns(limit) {
      const ids = (
        await db
          .selectFrom('golden_runs')
          .select(['run_id', 'started_at'])
          .groupBy(['run_id', 'started_at'])
          .orderBy('started_at', 'desc')
          .orderBy('run_id', 'desc')
          .limit(limit)
          .execute()
      ).map((row) => row.run_id);
      if (ids.length === 0) return [];
      const rows = await rowsOf(ids);
      return ids.flatMap((id) => {
        const runRows = rows.filter((row) => row.run_id === id);
        const first = runRows[0];
        if (!first) return [];
        const results = runRows.map((row) => ({
          scenario: row.scenario,
          pipeline: row.pipeline,
          status: row.status,
          turns: Number(row.turns),
          durationMs: Number(row.duration_ms),
          failure: row.failure,
          diff: row.diff,
        }));
        return [
          {
            runId: id,
            mode: first.mode,
            fullRun: Number(first.full_run) === 1,
            startedAt: first.started_at,
            contentHash: first.content_hash,
            model: { provider: first.provider, name: first.model_name },
            passed: results.filter((result) => result.status !== 'failed').length,
            failed: results.filter((result) => result.status === 'failed').length,
            results,
          },
        ];
      });
    },

    async latestFullVerifyRuns(on, limit) {
      let query = db
        .selectFrom('golden_runs')
        .select(['run_id', 'started_at'])
        .where('mode', '=', 'verify')
        .where('full_run', '=', 1)
        .where('partial', '=', 0);
      if (on.contentHash !== undefined) query = query.where('content_hash', '=', on.contentHash);
      if (on.codeVersion !== undefined) query = query.where('code_version', '=', on.codeVersion);
      const runs = await query
        .groupBy(['run_id', 'started_at'])
        .orderBy('started_at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(limit)
        .execute();
      if (runs.length === 0) return [];
      const rows = await rowsOf(runs.map((run) => run.run_id));
      return runs.flatMap((run) => {
        const mine = rows.filter((row) => row.run_id === run.run_id);
        const first = mine[0];
        if (!first) return [];
        return [
          {
            runId: run.run_id,
            startedAt: run.started_at,
            contentHash: first.content_hash,
            codeVersion: first.code_version,
            harnessVersion: first.harness_version,
            source: first.source,
            provider: first.provider,
            scenarios: mine.length,
            failing: mine
              .filter((row) => row.status !== 'passed')
              .map((row) => `${row.scenario} (${row.pipeline})`),
          },
        ];
      });
    },
  };
}
