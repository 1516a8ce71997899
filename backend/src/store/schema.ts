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

/** Every table the store owns, as Kysely sees them. Migrations add tables; add their types here. */
export interface DatabaseSchema {
  sessions: SessionsTable;
  turns: TurnsTable;
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
