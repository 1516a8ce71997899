import { AppError, NotFoundError } from '../shared/errors.js';

export class InvalidPercentError extends AppError {
  constructor(got: string) {
    super(
      'ROLLOUT_INVALID_PERCENT',
      `percent must be a number from 0 to 100 with at most two decimals, got ${JSON.stringify(got)}`,
      400,
    );
  }
}

export class OverrideExpiryInPastError extends AppError {
  constructor(expiresAt: string) {
    super('OVERRIDE_EXPIRY_IN_PAST', `override expiry ${expiresAt} is not in the future`, 400);
  }
}

export class OverrideNotFoundError extends NotFoundError {
  constructor(kind: string, subjectId: string) {
    super('OVERRIDE_NOT_FOUND', `no override for ${kind} ${subjectId}`);
  }
}

/** An open critical SLO alert, as a refused raise names it. */
export interface BlockingAlert {
  id: string;
  slo: string;
  severity: string;
  firedAt: string;
}

/**
 * Raising the rollout while a critical SLO alert is open, without force and a reason: 409, nothing
 * changed. `change` says what the raise was, e.g. `percent 5 → 25`.
 */
export class RolloutBlockedByAlertError extends AppError {
  constructor(change: string, alerts: readonly BlockingAlert[]) {
    const open = alerts.map((alert) => `${alert.slo} (alert ${alert.id}, since ${alert.firedAt})`).join(', ');
    super(
      'ROLLOUT_BLOCKED_BY_ALERT',
      `refusing to raise the rollout (${change}) while ${alerts.length === 1 ? 'a critical SLO alert is' : `${alerts.length} critical SLO alerts are`} open: ${open}; lowering and rolling back are allowed, or repeat with --force --reason "…" (HTTP: "force": true, "reason": "…")`,
      409,
      { change, alerts: alerts.map(({ id, slo, severity, firedAt }) => ({ id, slo, severity, firedAt })) },
    );
  }
}

/**
 * The seed's synchronous `isAwfBundleEnabled()` in a process that wired nothing, on PostgreSQL, before
 * the rollout state was read: there is no synchronous PostgreSQL read, and answering from the
 * environment alone would contradict the stored state the turns use.
 */
export class RolloutStateNotReadyError extends AppError {
  constructor() {
    super(
      'ROLLOUT_STATE_NOT_READY',
      'isAwfBundleEnabled(): the rollout state is in PostgreSQL and this process has not read it yet: `await ready()` (backend/src/rollout/canary-rollout.ts) once before the first call, or wire the services (createServices) first',
      503,
    );
  }
}
