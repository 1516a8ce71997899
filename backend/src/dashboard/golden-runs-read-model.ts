import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';

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

/**
 * The stored golden runs read as data (CONVENTIONS 3: a read model over the goldens' table, since
 * runtime code never imports the golden runner's folder), newest first.
 */
export interface GoldenRunsReadModel {
  latestRuns(limit: number): Promise<GoldenRunView[]>;
}

export function createGoldenRunsReadModel(db: Kysely<DatabaseSchema>): GoldenRunsReadModel {
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
      const rows = await db
        .selectFrom('golden_runs')
        .selectAll()
        .where('run_id', 'in', ids)
        .orderBy('scenario')
        .orderBy('pipeline')
        .execute();
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
  };
}
