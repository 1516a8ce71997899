import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, GoldenRunsTable } from '../store/schema.js';
import type { GoldenRun, GoldenRunStore } from './golden-run-store.js';

/** The GoldenRunStore over Kysely: one row per scenario result in `golden_runs`, SQLite and PostgreSQL alike. */
export function createKyselyGoldenRunStore(db: Kysely<DatabaseSchema>): GoldenRunStore {
  return {
    async saveRun(run) {
      if (run.results.length === 0) return;
      // One multi-row INSERT: the run is stored whole or not at all, without a transaction to hold.
      await db
        .insertInto('golden_runs')
        .values(
          run.results.map((result) => ({
            run_id: run.runId,
            scenario: result.scenario,
            pipeline: result.pipeline,
            mode: run.mode,
            status: result.status,
            turns: result.turns,
            duration_ms: result.durationMs,
            failure: result.failure ?? null,
            diff: result.diff ?? null,
            full_run: run.fullRun ? 1 : 0,
            content_hash: run.contentHash,
            harness_version: run.harnessVersion,
            started_at: run.startedAt,
            provider: run.models.awf.provider,
            model_name: run.models.awf.name,
            legacy_provider: run.models.legacy.provider,
            legacy_model_name: run.models.legacy.name,
            samples_requested: run.samplesRequested,
            partial: run.partial ? 1 : 0,
            samples: result.sampling?.samples ?? 1,
            passes: result.sampling?.passes ?? null,
            pass_rate_threshold: result.sampling?.passRateThreshold ?? null,
            tokens_in: result.sampling?.tokensIn ?? null,
            tokens_out: result.sampling?.tokensOut ?? null,
            code_version: run.codeVersion ?? null,
            source: run.source ?? null,
          })),
        )
        .execute();
    },

    async listRuns(options = {}) {
      let runs = db
        .selectFrom('golden_runs')
        .select(['run_id', 'started_at'])
        .groupBy(['run_id', 'started_at'])
        .orderBy('started_at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(options.limit ?? 20);
      if (options.mode) runs = runs.where('mode', '=', options.mode);
      if (options.fullRunOnly) runs = runs.where('full_run', '=', 1);
      if (options.provider) runs = runs.where('provider', '=', options.provider);
      const ids = (await runs.execute()).map((row) => row.run_id);
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('golden_runs')
        .selectAll()
        .where('run_id', 'in', ids)
        .orderBy('scenario')
        .orderBy('pipeline')
        .execute();
      return ids.map((id) => toRun(rows.filter((row) => row.run_id === id)));
    },
  };
}

type GoldenRunRow = Selectable<GoldenRunsTable>;

function toRun(rows: GoldenRunRow[]): GoldenRun {
  const first = rows[0] as GoldenRunRow;
  return {
    runId: first.run_id,
    mode: first.mode,
    fullRun: Number(first.full_run) === 1,
    startedAt: first.started_at,
    contentHash: first.content_hash,
    harnessVersion: first.harness_version,
    ...(first.code_version === null ? {} : { codeVersion: first.code_version }),
    ...(first.source === null ? {} : { source: first.source }),
    models: {
      awf: { provider: first.provider, name: first.model_name },
      legacy: { provider: first.legacy_provider, name: first.legacy_model_name },
    },
    samplesRequested: Number(first.samples_requested),
    partial: Number(first.partial) === 1,
    results: rows.map((row) => ({
      scenario: row.scenario,
      pipeline: row.pipeline,
      status: row.status,
      turns: Number(row.turns),
      durationMs: Number(row.duration_ms),
      ...(row.failure === null ? {} : { failure: row.failure }),
      ...(row.diff === null ? {} : { diff: row.diff }),
      ...(row.passes === null
        ? {}
        : {
            sampling: {
              samples: Number(row.samples),
              passes: Number(row.passes),
              passRateThreshold: Number(row.pass_rate_threshold),
              tokensIn: Number(row.tokens_in ?? 0),
              tokensOut: Number(row.tokens_out ?? 0),
            },
          }),
    })),
  };
}
