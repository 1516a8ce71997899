import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * A bigint column: SQLite hands back a number, pg hands back a string (its int8 parser keeps precision),
 * so readers convert with Number(); writers always pass a number.
 */
export type BigIntColumn = ColumnType<number | string, number, number>;

/**
 * JSON is stored as text in both dialects, so the same code parses it back identically; booleans are
 * integers 0/1 in both.
 */
export interface SessionsTable {
  session_id: string;
  user_id: string;
  seed: BigIntColumn;
  /** GameState as JSON text. */
  state: string;
  turn_count: number;
  /** Choice[] as JSON text. */
  last_choices: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** One row per turn; the routing columns are copies of fields of `result` so they can be queried. */
export interface TurnsTable {
  session_id: string;
  turn_no: number;
  user_id: string;
  input: string;
  pipeline: 'awf' | 'legacy';
  route_reason: string;
  scene: string;
  retried: 0 | 1;
  fallback: 0 | 1;
  fallback_reason: string | null;
  latency_ms: number;
  /** The whole TurnResult as JSON text. */
  result: string;
  /** ISO 8601. */
  created_at: string;
}

/** One instance's turns of one pipeline in one minute (`minute` = epoch ms / 60 000); migration 004. */
export interface SloMinutesTable {
  minute: number;
  instance_id: string;
  pipeline: 'awf' | 'legacy';
  turns: number;
  retries: number;
  fallbacks: number;
  /** Fallback reason → count, as JSON text. */
  fallback_reasons: string;
  /** A LatencySketch, encoded. */
  latency_sketch: string;
  updated_at: string;
}

/** One SLO's value per minute, as the evaluator saw it over `eval_window`. */
export interface SloHistoryTable {
  minute: number;
  slo: string;
  eval_window: string;
  value: number | null;
  threshold: number;
  sample: number;
  state: 'ok' | 'warning' | 'critical' | 'insufficient_data';
}

/** SLO alerts; at most one open (resolved_at null) per SLO. */
export interface SloAlertsTable {
  id: string;
  slo: string;
  severity: 'warning' | 'critical';
  eval_window: string;
  threshold: number;
  fired_value: number;
  fired_sample: number;
  fired_at: string;
  fired_by: string;
  resolved_at: string | null;
  resolved_value: number | null;
  resolved_sample: number | null;
  resolved_by: string | null;
}

/** Every table the store owns, as Kysely sees them. Migrations add tables; add their types here. */
export interface DatabaseSchema {
  sessions: SessionsTable;
  turns: TurnsTable;
  slo_minutes: SloMinutesTable;
  slo_history: SloHistoryTable;
  slo_alerts: SloAlertsTable;
  golden_runs: GoldenRunsTable;
}

/** One row per scenario per golden run; `full_run` marks runs of every scenario at its own pipeline. */
export interface GoldenRunsTable {
  run_id: string;
  scenario: string;
  pipeline: 'awf' | 'legacy';
  mode: 'record' | 'verify' | 'test';
  status: 'passed' | 'failed' | 'written' | 'unchanged';
  turns: number;
  duration_ms: number;
  /** The first failure message, when the scenario failed. */
  failure: string | null;
  full_run: 0 | 1;
  content_hash: string;
  harness_version: string;
  /** ISO 8601, the run's start (the same on every row of one run). */
  started_at: string;
}

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type TurnRow = Selectable<TurnsTable>;
export type NewTurnRow = Insertable<TurnsTable>;
