/**
 * How a plan changes state, shared by the controller's steps and the operators' commands: each change
 * is one conditional write (on the version read, so a second controller cannot step twice), the
 * rollout percentage it implies, and exactly one audit entry, all in one write transaction.
 */
import type { AuditLogger } from '../audit/audit-logger.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { PlanVersionConflict } from './plan-errors.js';
import type { PlanChange, PlanExecutor, PlanStore } from './plan-store.js';
import type { PlanAction, StagePercent, StoredPlan } from './plan-types.js';

/** The percentage a stage routes to AWF: the shadow stage routes nobody (AWF runs beside legacy). */
export function routedPercent(percent: StagePercent): number {
  return percent === 'shadow' ? 0 : percent;
}

export function describeStage(percent: StagePercent | undefined): string {
  return percent === undefined ? 'none' : percent === 'shadow' ? 'shadow' : `${percent} %`;
}

/** The audit action of a controller step. */
export function auditActionOf(action: PlanAction, completes: boolean): string {
  if (action === 'advance') return completes ? 'plan.completed' : 'plan.advanced';
  if (action === 'rollback') return 'plan.rolled_back';
  if (action === 'previous') return 'plan.previous';
  if (action === 'pause') return 'plan.paused';
  return 'plan.held';
}

/** The stored change and the routed percentage a step implies (undefined: the percentage stays). */
export function stepChange(
  plan: StoredPlan,
  action: Exclude<PlanAction, 'hold'>,
  reason: string,
  nowIso: string,
): { change: Omit<PlanChange, 'updatedAt' | 'updatedBy'>; percent: number | undefined } {
  const index = plan.currentStage;
  if (action === 'advance') {
    const next = plan.stages[index + 1];
    if (!next) {
      return {
        change: { state: 'completed', endedAt: nowIso, stateReason: 'every stage passed its gates' },
        percent: undefined,
      };
    }
    return {
      change: { currentStage: index + 1, stageStartedAt: nowIso, failingStreak: 0 },
      percent: routedPercent(next.percent),
    };
  }
  if (action === 'previous') {
    const previous = plan.stages[index - 1];
    if (previous) {
      return {
        change: {
          currentStage: index - 1,
          stageStartedAt: nowIso,
          failingStreak: 0,
          approval: null,
          stateReason: reason,
        },
        percent: routedPercent(previous.percent),
      };
    }
  }
  if (action === 'pause') {
    return { change: { state: 'paused', stateReason: reason, failingStreak: 0 }, percent: undefined };
  }
  return {
    change: { state: 'rolled_back', endedAt: nowIso, stateReason: reason, failingStreak: 0 },
    percent: 0,
  };
}

export interface TransitionDeps {
  store: PlanStore;
  audit: AuditLogger;
  rollout: Pick<RolloutService, 'applyPlanPercent'>;
}

/**
 * In the caller's write transaction (append lock already taken): the conditional update, the routed
 * percentage when it changes, and one audit entry with `details`. Throws PlanVersionConflict when the
 * plan moved on since `plan` was read (the transaction then rolls back: no double step).
 */
export async function applyTransition(
  trx: PlanExecutor,
  deps: TransitionDeps,
  input: {
    plan: StoredPlan;
    change: PlanChange;
    percent: number | undefined;
    actor: string;
    action: string;
    details: Record<string, unknown>;
  },
): Promise<{
  auditSeq: number;
  rollout?: { previousPercent: number | null; newPercent: number; version: number };
}> {
  const { plan, change } = input;
  if (!(await deps.store.update(trx, plan.id, plan.version, change))) {
    throw new PlanVersionConflict(plan.id, plan.version);
  }
  let rollout: { previousPercent: number | null; newPercent: number; version: number } | undefined;
  if (input.percent !== undefined) {
    const applied = await deps.rollout.applyPlanPercent(trx, `plan:${plan.id}`, input.percent);
    rollout = { previousPercent: applied.previous, newPercent: input.percent, version: applied.version };
  }
  const entry = await deps.audit.appendInTransaction(trx, {
    actor: input.actor,
    action: input.action,
    entity: `plan:${plan.id}`,
    details: {
      previous: { state: plan.state, stage: plan.currentStage, version: plan.version },
      new: {
        state: change.state ?? plan.state,
        stage: change.currentStage ?? plan.currentStage,
        version: plan.version + 1,
      },
      ...(rollout ? { rollout } : {}),
      ...input.details,
    },
  });
  return { auditSeq: entry.seq, ...(rollout ? { rollout } : {}) };
}
