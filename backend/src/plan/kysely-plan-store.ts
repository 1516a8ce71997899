import type { Selectable } from 'kysely';
import { createGoldenRunsReadModel } from '../golden-runs/golden-runs-read-model.js';
import type { RolloutPlanDecisionsTable, RolloutPlansTable } from '../store/schema.js';
import type { PlanStore } from './plan-store.js';
import type { PlanDecision, PlanStage, StagePercent, StoredPlan } from './plan-types.js';

/** The PlanStore over Kysely, one implementation for SQLite and PostgreSQL. */
export function createKyselyPlanStore(): PlanStore {
  return {
    async readActive(ex) {
      const row = await ex
        .selectFrom('rollout_plans')
        .selectAll()
        .where('state', 'in', ['running', 'paused'])
        .orderBy('started_at', 'desc')
        .executeTakeFirst();
      return row ? toPlan(row) : undefined;
    },

    async readLatest(ex) {
      const row = await ex
        .selectFrom('rollout_plans')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? toPlan(row) : undefined;
    },

    async insert(ex, plan) {
      await ex
        .insertInto('rollout_plans')
        .values({
          id: plan.id,
          version: plan.version,
          state: plan.state,
          stages: JSON.stringify(plan.stages),
          on_failure: plan.onFailure,
          fail_after: plan.failAfter,
          current_stage: plan.currentStage,
          stage_started_at: plan.stageStartedAt,
          started_by: plan.startedBy,
          started_at: plan.startedAt,
          approved_stage: plan.approval?.stage ?? null,
          approved_by: plan.approval?.by ?? null,
          failing_streak: plan.failingStreak,
          state_reason: plan.stateReason,
          last_decision: plan.lastDecision ? JSON.stringify(plan.lastDecision) : null,
          updated_at: plan.updatedAt,
          updated_by: plan.updatedBy,
          ended_at: plan.endedAt,
          run_goldens: plan.runGoldens ? 1 : 0,
        })
        .execute();
    },

    async update(ex, id, expectedVersion, change) {
      const result = await ex
        .updateTable('rollout_plans')
        .set((eb) => ({
          version: eb('version', '+', 1),
          updated_at: change.updatedAt,
          updated_by: change.updatedBy,
          ...(change.state !== undefined ? { state: change.state } : {}),
          ...(change.currentStage !== undefined ? { current_stage: change.currentStage } : {}),
          ...(change.stageStartedAt !== undefined ? { stage_started_at: change.stageStartedAt } : {}),
          ...(change.approval !== undefined
            ? { approved_stage: change.approval?.stage ?? null, approved_by: change.approval?.by ?? null }
            : {}),
          ...(change.failingStreak !== undefined ? { failing_streak: change.failingStreak } : {}),
          ...(change.stateReason !== undefined ? { state_reason: change.stateReason } : {}),
          ...(change.lastDecision !== undefined
            ? { last_decision: change.lastDecision ? JSON.stringify(change.lastDecision) : null }
            : {}),
          ...(change.endedAt !== undefined ? { ended_at: change.endedAt } : {}),
        }))
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async touch(ex, id, expectedVersion, change) {
      const result = await ex
        .updateTable('rollout_plans')
        .set({
          failing_streak: change.failingStreak,
          last_decision: change.lastDecision ? JSON.stringify(change.lastDecision) : null,
        })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertDecision(ex, planId, decision) {
      const result = await ex
        .insertInto('rollout_plan_decisions')
        .values({
          id: decision.id,
          plan_id: planId,
          plan_version: decision.planVersion ?? 0,
          at: decision.at,
          stage: decision.stage,
          stage_percent: String(decision.stagePercent),
          action: decision.action,
          reason: decision.reason,
          evidence: JSON.stringify(decision.evidence),
          audit_seq: decision.auditSeq ?? null,
        })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    async hasHold(ex, planId, planVersion, reason) {
      const row = await ex
        .selectFrom('rollout_plan_decisions')
        .select('id')
        .where('plan_id', '=', planId)
        .where('plan_version', '=', planVersion)
        .where('reason', '=', reason)
        .where('action', '=', 'hold')
        .executeTakeFirst();
      return row !== undefined;
    },

    async listDecisions(ex, options) {
      let query = ex
        .selectFrom('rollout_plan_decisions')
        .selectAll()
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit);
      if (options.planId !== undefined) query = query.where('plan_id', '=', options.planId);
      return (await query.execute()).map(toDecision);
    },

    async findDecision(ex, id) {
      const row = await ex
        .selectFrom('rollout_plan_decisions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? { ...toDecision(row), planId: row.plan_id } : undefined;
    },

    async latestGoldenRun(ex, served) {
      const goldens = createGoldenRunsReadModel(ex);
      // The latest run on this content and code; else the latest of any, which the gate reports stale.
      const [matching] = await goldens.latestFullVerifyRuns(served, 1);
      const [latest] = matching ? [matching] : await goldens.latestFullVerifyRuns({}, 1);
      return latest ?? null;
    },
  };
}

function toPercent(text: string): StagePercent {
  return text === 'shadow' ? 'shadow' : Number(text);
}

function toPlan(row: Selectable<RolloutPlansTable>): StoredPlan {
  return {
    id: row.id,
    version: Number(row.version),
    state: row.state,
    stages: JSON.parse(row.stages) as PlanStage[],
    onFailure: row.on_failure,
    failAfter: Number(row.fail_after),
    currentStage: Number(row.current_stage),
    stageStartedAt: row.stage_started_at,
    startedBy: row.started_by,
    startedAt: row.started_at,
    approval:
      row.approved_stage === null || row.approved_by === null
        ? null
        : { stage: Number(row.approved_stage), by: row.approved_by },
    failingStreak: Number(row.failing_streak),
    stateReason: row.state_reason,
    lastDecision: row.last_decision ? (JSON.parse(row.last_decision) as PlanDecision) : null,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    endedAt: row.ended_at,
    runGoldens: Number(row.run_goldens) === 1,
  };
}

function toDecision(row: Selectable<RolloutPlanDecisionsTable>): PlanDecision {
  return {
    id: row.id,
    at: row.at,
    stage: Number(row.stage),
    stagePercent: toPercent(row.stage_percent),
    action: row.action,
    reason: row.reason,
    evidence: JSON.parse(row.evidence) as Record<string, unknown>,
    planVersion: Number(row.plan_version),
    auditSeq: row.audit_seq === null ? null : Number(row.audit_seq),
  };
}
