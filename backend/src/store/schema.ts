import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

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

/** The one stored rollout row (id = 1); a null column means "nothing stored" (migration 002). */
export interface RolloutConfigTable {
  id: number;
  global_enabled: 0 | 1 | null;
  /** The percent × 100 (0–10000), so two decimals are exact. */
  percent_hundredths: number | null;
  /** The shadow rate × 100 (0–10000), migration 012: legacy-routed turns that also run AWF unseen. */
  shadow_hundredths: number;
  /** Bumped by every change to the config or the overrides; pollers reload when it moves. */
  version: BigIntColumn;
  updated_at: string | null;
  updated_by: string | null;
}

export interface RolloutOverridesTable {
  kind: 'user' | 'session';
  subject_id: string;
  pipeline: 'awf' | 'legacy';
  /** ISO 8601, or null for no expiry. */
  expires_at: string | null;
  reason: string | null;
  created_by: string;
  created_at: string;
}

/** Append-only (triggers reject UPDATE/DELETE/TRUNCATE); `canonical` is the exact hashed text. */
export interface AuditLogTable {
  seq: BigIntColumn;
  id: string;
  actor: string;
  action: string;
  entity: string;
  /** Canonical JSON of the details. */
  details: string;
  created_at: string;
  prev_hash: string;
  hash: string;
  canonical: string;
}

export interface AuditCheckpointsTable {
  seq: BigIntColumn;
  hash: string;
  created_at: string;
  created_by: string;
  /** Base64 SPKI DER of the Ed25519 key that signed, when one is configured. */
  public_key: string | null;
  signature: string | null;
}

/** One row (id 1): the stored per-actor change rate limit (migration 007); null columns: not stored. */
export interface AuthSettingsTable {
  id: number;
  change_rate_limit: number | null;
  change_rate_window_s: number | null;
  updated_at: string | null;
  updated_by: string | null;
}

export interface AuthActorsTable {
  name: string;
  /** 'evaluator' since migration 008. */
  role: 'viewer' | 'operator' | 'admin' | 'auditor' | 'evaluator';
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

/** Tokens are stored as the SHA-256 of the whole token, never in clear. */
export interface AuthTokensTable {
  id: string;
  actor: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** One instance's turns of one pipeline in one minute (`minute` = epoch ms / 60 000); migration 004. */
export interface SloMinutesTable {
  minute: number;
  instance_id: string;
  /** `awf_shadow` since migration 012: AWF runs on legacy-routed turns that no player saw. */
  pipeline: 'awf' | 'legacy' | 'awf_shadow';
  turns: number;
  retries: number;
  fallbacks: number;
  /** Fallback reason → count, as JSON text. */
  fallback_reasons: string;
  /** Turns that failed outright (migration 005). */
  failures: number;
  /** A LatencySketch, encoded. */
  latency_sketch: string;
  /**
   * Player ratings (migration 007), by the pipeline that ANSWERED (a fallback's rating counts on the
   * legacy row); a replaced rating adds its delta in the minute it was replaced, so one row may be negative.
   */
  feedback_up: number;
  feedback_down: number;
  /** Down ratings by reason, as JSON text. */
  feedback_down_reasons: string;
  /** Shadow runs only (migration 012): valid after the retry, agreement with the served answer, spend. */
  shadow_valid_after_retry: number;
  shadow_compared: number;
  shadow_same_scene: number;
  shadow_same_scene_change: number;
  shadow_same_acts: number;
  shadow_choice_shared: number;
  shadow_choice_union: number;
  shadow_tokens_in: number;
  shadow_tokens_out: number;
  shadow_bundle_bytes: number;
  /** Shadow runs dropped by reason (queue_full, rate_cap, shutdown, error), as JSON text. */
  shadow_drop_reasons: string;
  /** Sessions whose first turn the percentage bucket routed to this pipeline (migration 014). */
  new_sessions: Generated<number>;
  /** Tokens in and out and bundle bytes summed over the minute's turns (migration 013; shadow runs keep theirs in shadow_*). */
  tokens_in: Generated<number>;
  tokens_out: Generated<number>;
  bundle_bytes: Generated<number>;
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
  /** 'recovered' | 'no_data' (migration 006); null while open, and on alerts resolved before 006. */
  resolved_reason: string | null;
}

/** One rating per turn (migration 007); pipeline, route and fallback are copied from the turn record. */
export interface FeedbackTable {
  session_id: string;
  turn_no: number;
  user_id: string;
  /** The pipeline that answered: a fallback is legacy. */
  pipeline: 'awf' | 'legacy';
  route_reason: string;
  fallback: 0 | 1;
  fallback_reason: string | null;
  rating: 'up' | 'down';
  reason: string | null;
  comment: string | null;
  /** ISO 8601: first rated. */
  created_at: string;
  /** ISO 8601: last rated (a replacement moves it). */
  updated_at: string;
}

/**
 * Flag evaluations (OFREP and the in-process provider) of one instance in one minute, per flag and
 * variant (migration 008): rows grow with minutes × instances × variants, never with evaluations.
 */
export interface FlagEvaluationMinutesTable {
  minute: number;
  instance_id: string;
  flag_key: string;
  variant: string;
  evaluations: number;
  updated_at: string;
}

/** Every table the store owns, as Kysely sees them. Migrations add tables; add their types here. */
export interface DatabaseSchema {
  sessions: SessionsTable;
  turns: TurnsTable;
  slo_minutes: SloMinutesTable;
  slo_history: SloHistoryTable;
  slo_alerts: SloAlertsTable;
  flag_evaluation_minutes: FlagEvaluationMinutesTable;
  rollout_config: RolloutConfigTable;
  rollout_overrides: RolloutOverridesTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  auth_actors: AuthActorsTable;
  auth_tokens: AuthTokensTable;
  auth_settings: AuthSettingsTable;
  golden_runs: GoldenRunsTable;
  feedback: FeedbackTable;
  retention_policy: RetentionPolicyTable;
  rollout_plans: RolloutPlansTable;
  rollout_plan_decisions: RolloutPlanDecisionsTable;
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
  /** Which model answered (migration 011): 'local' for a regression run, 'openai' for a real model. */
  provider: Generated<string>;
  model_name: Generated<string>;
  legacy_provider: Generated<string>;
  legacy_model_name: Generated<string>;
  /** Samples per scenario the run asked for (1 for record / verify / test on the local model). */
  samples_requested: Generated<number>;
  /** 1 when the run was stopped early (--max-tokens-total): its figures cover fewer samples. */
  partial: Generated<0 | 1>;
  /** Samples this scenario got, how many passed, and the pass rate it needed (sampled runs). */
  samples: Generated<number>;
  passes: number | null;
  pass_rate_threshold: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  /** The unified diff of a failed verify against its golden (migration 013); null otherwise. */
  diff: Generated<string | null>;
  /** The code the run tested (shared/code-version.ts; migration 015); null for runs stored before. */
  code_version: Generated<string | null>;
  /** Who started the run: `cli` (the runner), `plan-controller` (the plan's own run); null before migration 015. */
  source: Generated<string | null>;
}

/** The stored data-retention policy, one row (id = 1); null: nothing stored (migration 007). */
export interface RetentionPolicyTable {
  id: number;
  /** SLO minutes, history and resolved alerts are kept this many days (7–3650). */
  slo_days: number | null;
  /** Turn records are kept this many days (1–3650); 0 keeps them forever. */
  turn_days: number | null;
  updated_at: string | null;
  updated_by: string | null;
}

/** A staged rollout plan (migration 014); `version` guards every step against a second controller. */
export interface RolloutPlansTable {
  id: string;
  version: number;
  state: 'running' | 'paused' | 'completed' | 'aborted' | 'rolled_back';
  /** The stages as JSON: [{ percent: number | 'shadow', bakeMs, minSample, approval }]. */
  stages: string;
  on_failure: 'rollback' | 'previous' | 'pause';
  /** Failing evaluations in a row that trigger on_failure. */
  fail_after: number;
  current_stage: number;
  stage_started_at: string;
  started_by: string;
  started_at: string;
  /** The stage an approval was given for, and by whom. */
  approved_stage: number | null;
  approved_by: string | null;
  /** Failing evaluations in a row so far in this stage. */
  failing_streak: Generated<number>;
  /** Why the plan is paused or ended, in words. */
  state_reason: string | null;
  /** The latest decision (every evaluation, holds included) as JSON. */
  last_decision: string | null;
  updated_at: string;
  updated_by: string;
  ended_at: string | null;
  /** 1: the controller runs the golden suite itself when no run on this content and code exists (migration 015). */
  run_goldens: Generated<0 | 1>;
}

/** A plan decision with its evidence (migration 014): every change, and each hold once per version and reason. */
export interface RolloutPlanDecisionsTable {
  id: string;
  plan_id: string;
  plan_version: number;
  at: string;
  stage: number;
  /** The stage's percent as text, or 'shadow'. */
  stage_percent: string;
  action: 'advance' | 'hold' | 'rollback' | 'previous' | 'pause';
  reason: string;
  evidence: string;
  audit_seq: number | null;
}

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type TurnRow = Selectable<TurnsTable>;
export type NewTurnRow = Insertable<TurnsTable>;
