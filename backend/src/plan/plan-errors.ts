import { AppError, NotFoundError } from '../shared/errors.js';

/** A manual percentage while a staged plan runs, without force. */
export class PlanRunningError extends AppError {
  constructor(planId: string, stage: string) {
    super(
      'PLAN_RUNNING',
      `refusing to set the rollout percentage while staged plan ${planId} runs (stage ${stage}): pause or abort it (awf-plan.ts pause|abort), or repeat with --force --reason "…" (HTTP: "force": true, "reason": "…"), which pauses the plan`,
      409,
      { planId, stage },
    );
  }
}

export class PlanActiveError extends AppError {
  constructor(planId: string, state: string) {
    super('PLAN_ACTIVE', `staged plan ${planId} is ${state}: abort it before starting another`, 409, {
      planId,
      state,
    });
  }
}

export class PlanNotFoundError extends NotFoundError {
  constructor() {
    super('PLAN_NOT_FOUND', 'no staged plan is running or paused');
  }
}

export class PlanStateConflictError extends AppError {
  constructor(message: string) {
    super('PLAN_STATE_CONFLICT', message, 409);
  }
}

export class PlanApprovalByStarterError extends AppError {
  constructor(actor: string) {
    super(
      'PLAN_APPROVAL_BY_STARTER',
      `${actor} started this plan and cannot approve it: a second actor with rollout.write must`,
      403,
    );
  }
}

export class PlanDecisionNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('PLAN_DECISION_NOT_FOUND', `no plan decision ${id}`);
  }
}

/** Another controller (or an operator) changed the plan between this evaluation's read and its write. */
export class PlanVersionConflict extends Error {
  constructor(planId: string, version: number) {
    super(`plan ${planId} is no longer at version ${version}: another writer stepped first`);
  }
}
