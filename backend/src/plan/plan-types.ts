/** The staged rollout plan's vocabulary (issue 12), shared by the controller, service, routes and CLI. */

/** A stage's share of users on AWF, or `shadow`: AWF runs beside legacy on sampled turns, never shown. */
export type StagePercent = number | 'shadow';

export interface PlanStage {
  percent: StagePercent;
  /** Minimum time in the stage before it may advance. */
  bakeMs: number;
  /** Minimum AWF turns in the stage before it may advance. */
  minSample: number;
  /** Advancing INTO this stage needs a second actor's approval. */
  approval: boolean;
}

export type OnFailure = 'rollback' | 'previous' | 'pause';

export type PlanState = 'running' | 'paused' | 'completed' | 'aborted' | 'rolled_back';

export type PlanAction = 'advance' | 'hold' | 'rollback' | 'previous' | 'pause';

/** A plan as stored. */
export interface StoredPlan {
  id: string;
  version: number;
  state: PlanState;
  stages: PlanStage[];
  onFailure: OnFailure;
  /** Failing evaluations in a row that trigger onFailure (a confirmed critical breach acts at once). */
  failAfter: number;
  currentStage: number;
  stageStartedAt: string;
  startedBy: string;
  startedAt: string;
  approval: { stage: number; by: string } | null;
  failingStreak: number;
  stateReason: string | null;
  lastDecision: PlanDecision | null;
  updatedAt: string;
  updatedBy: string;
  endedAt: string | null;
  /** The controller runs the golden suite itself when no run on the served content and code exists. */
  runGoldens: boolean;
}

/** One evaluation's verdict with everything it was based on. */
export interface PlanDecision {
  id: string;
  /** ISO 8601. */
  at: string;
  /** The stage index the decision was made in. */
  stage: number;
  stagePercent: StagePercent;
  action: PlanAction;
  /** A stable code: bake_time, min_sample, awaiting_approval, no_traffic, gate_failed:fallback_rate, … */
  reason: string;
  evidence: Record<string, unknown>;
  /** The plan version the decision read (a step makes it version + 1). */
  planVersion?: number;
  /** The audit entry of a decision that changed something. */
  auditSeq?: number | null;
}

export type GateStatus = 'pass' | 'fail' | 'hold' | 'skip';

/** One gate's verdict in words and numbers. */
export interface GateResult {
  name: string;
  status: GateStatus;
  /** A reason code when hold or fail (e.g. min_sample, gate_failed:fallback_rate). */
  reason?: string;
  /** For people: what was measured against what. */
  summary: string;
  /** A failure that acts at once (a confirmed critical breach), without waiting for N in a row. */
  critical?: boolean;
  evidence: Record<string, unknown>;
}

/** What `start` takes (the CLI flags and the HTTP body). */
export interface StartPlanInput {
  stages?: StagePercent[] | undefined;
  bakeMs?: number | undefined;
  minSample?: number | undefined;
  onFailure?: OnFailure | undefined;
  /** Approval before 100 % (default true). */
  approvalBefore100?: boolean | undefined;
  failAfter?: number | undefined;
  /** Let the controller run the golden suite itself (default false). */
  runGoldens?: boolean | undefined;
  actor: string;
}
