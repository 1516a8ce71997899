import { AppError, NotFoundError } from '../shared/errors.js';

/** The session exists but has no turn with that number (yet). */
export class TurnNotFoundError extends NotFoundError {
  constructor(sessionId: string, turnNo: number) {
    super('TURN_NOT_FOUND', `session ${sessionId} has no turn ${turnNo}`);
  }
}

/** A session rated more turns within a minute than AWF_FEEDBACK_RATE_LIMIT allows. */
export class FeedbackRateLimitedError extends AppError {
  constructor(limit: number, retryAfterSec: number) {
    super(
      'FEEDBACK_RATE_LIMITED',
      `this session sent ${limit} ratings in the last 60 s (limit AWF_FEEDBACK_RATE_LIMIT=${limit} per minute); retry in ${retryAfterSec} s`,
      429,
      { retryAfterSec },
    );
  }
}
