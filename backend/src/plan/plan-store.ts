import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import type { GoldenEvidence } from './plan-gates.js';
import type { PlanDecision, StoredPlan } from './plan-types.js';

/** A connection or a write transaction: every method runs on the executor it is given. */
export type PlanExecutor = Kysely<DatabaseSchema>;

/** The fields a step or an operator change writes; `version` goes up by one with each. */
export type PlanChange = Partial<
  Pick<
    StoredPlan,
    | 'state'
    | 'currentStage'
    | 'stageStartedAt'
    | 'approval'
    | 'failingStreak'
    | 'stateReason'
    | 'lastDecision'
    | 'endedAt'
  >
> & { updatedAt: string; updatedBy: string };

/** Where plans and their decisions live. */
export interface PlanStore {
  /** The running or paused plan, if any. */
  readActive(ex: PlanExecutor): Promise<StoredPlan | undefined>;
  /** The most recently started plan, whatever its state. */
  readLatest(ex: PlanExecutor): Promise<StoredPlan | undefined>;
  insert(ex: PlanExecutor, plan: StoredPlan): Promise<void>;
  /**
   * Applies `change` and bumps the version only if the stored version is still `expectedVersion`;
   * false when another writer changed the plan first (the caller rolls its transaction back).
   */
  update(ex: PlanExecutor, id: string, expectedVersion: number, change: PlanChange): Promise<boolean>;
  /** Records the evaluation (streak, last decision) without a version bump; conditional like `update`. */
  touch(
    ex: PlanExecutor,
    id: string,
    expectedVersion: number,
    change: Pick<StoredPlan, 'failingStreak' | 'lastDecision'>,
  ): Promise<boolean>;
  /** Stores a decision; a hold already recorded for this plan version and reason is not stored again (false). */
  insertDecision(ex: PlanExecutor, planId: string, decision: PlanDecision): Promise<boolean>;
  /** Whether a hold with `reason` is already recorded for this plan version. */
  hasHold(ex: PlanExecutor, planId: string, planVersion: number, reason: string): Promise<boolean>;
  /** Newest first. */
  listDecisions(ex: PlanExecutor, options: { planId?: string; limit: number }): Promise<PlanDecision[]>;
  findDecision(ex: PlanExecutor, id: string): Promise<(PlanDecision & { planId: string }) | undefined>;
  /**
   * The latest full golden verify run on `served` content and code, else the latest of any (read-only,
   * from the golden runner's table).
   */
  latestGoldenRun(
    ex: PlanExecutor,
    served: { contentHash: string; codeVersion: string },
  ): Promise<GoldenEvidence['run']>;
}
