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
