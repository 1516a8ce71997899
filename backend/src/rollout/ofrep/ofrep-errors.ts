import { AppError } from '../../shared/errors.js';

/** OFREP's failure body for one flag (`evaluationFailure` / `flagNotFound` in the OpenAPI document). */
export interface OfrepFailureBody {
  key?: string;
  errorCode: string;
  errorDetails: string;
}

/**
 * An evaluation that cannot be answered. Its code is OpenFeature's error code, so the OFREP routes
 * answer with OFREP's body (`{key, errorCode, errorDetails}`) and the in-process provider throws the
 * SDK's error of the same code.
 */
export class OfrepEvaluationError extends AppError {
  toOfrepBody(flagKey: string | undefined): OfrepFailureBody {
    return {
      ...(flagKey === undefined ? {} : { key: flagKey }),
      errorCode: this.code,
      errorDetails: this.message,
    };
  }
}

export class FlagNotFoundError extends OfrepEvaluationError {
  constructor(flagKey: string) {
    super(
      'FLAG_NOT_FOUND',
      `no flag ${JSON.stringify(flagKey.slice(0, 100))}; the flags are: awf-bundle`,
      404,
    );
  }
}

export class InvalidContextError extends OfrepEvaluationError {
  constructor(details: string) {
    super('INVALID_CONTEXT', details, 400);
  }
}

export class TargetingKeyMissingError extends OfrepEvaluationError {
  constructor() {
    super(
      'TARGETING_KEY_MISSING',
      'the context names no player: send targetingKey (the user id, else the session id), userId or sessionId',
      400,
    );
  }
}

export class OfrepParseError extends OfrepEvaluationError {
  constructor(details: string) {
    super('PARSE_ERROR', details, 400);
  }
}

/** Too many evaluations by one token; the routes send `Retry-After` with the seconds. */
export class OfrepRateLimitedError extends AppError {
  constructor(
    readonly retryAfterSec: number,
    limitPerSecond: number,
  ) {
    super(
      'OFREP_RATE_LIMITED',
      `this token made more than AWF_OFREP_RATE_LIMIT=${limitPerSecond} evaluations a second; retry in ${retryAfterSec} s`,
      429,
      { retryAfterSec },
    );
  }
}
