import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import { FeedbackRateLimitedError, TurnNotFoundError } from './feedback-errors.js';
import type { FeedbackFilter, FeedbackStore } from './feedback-store.js';
import {
  FEEDBACK_REASONS,
  type Feedback,
  type FeedbackInput,
  type FeedbackObserver,
  MAX_COMMENT_LENGTH,
  RATINGS,
} from './feedback-types.js';
import type { RatedTurns } from './rated-turns.js';

export interface FeedbackServiceDeps {
  store: FeedbackStore;
  turns: RatedTurns;
  /** Told of every stored rating after it committed (SLO aggregates, Prometheus counters). */
  observers?: readonly FeedbackObserver[];
  /** AWF_FEEDBACK_RATE_LIMIT: rating requests per session per rolling minute, on this instance. */
  ratingsPerSessionPerMinute: number;
  clock?: () => Date;
  onObserverError?: (error: unknown) => void;
}

export interface RateTurnResult {
  feedback: Feedback;
  /** The turn had a rating, which this one replaced (it is counted once, as the new rating). */
  replaced: boolean;
}

export interface FeedbackService {
  /**
   * Rates turn `turnNo` of `sessionId`. Throws InvalidInputError for a bad rating, reason or comment,
   * SESSION_NOT_FOUND / TURN_NOT_FOUND (404), or FEEDBACK_RATE_LIMITED (429).
   */
  rateTurn(sessionId: string, turnNo: number, input: FeedbackInput): Promise<RateTurnResult>;
  /** Ratings changed since `filter.since`, newest first (operators: awf-feedback --recent). */
  listRecent(filter: FeedbackFilter): Promise<Feedback[]>;
  /** Deletes ratings last changed before the minute (epoch ms / 60 000); the aggregates keep their counts. */
  prune(beforeMinute: number): Promise<number>;
}

const WINDOW_MS = 60_000;
/** Above this many sessions tracked, stale ones are swept so the limiter's memory stays bounded. */
const SWEEP_ABOVE_SESSIONS = 10_000;

/** Player ratings of turns, attributed to the pipeline that answered (DESIGN §9). */
export function createFeedbackService(deps: FeedbackServiceDeps): FeedbackService {
  const clock = deps.clock ?? (() => new Date());
  const limit = deps.ratingsPerSessionPerMinute;
  // Per session: the times of its rating requests within the last minute, oldest first.
  const recentRequests = new Map<string, number[]>();

  const enforceRateLimit = (sessionId: string, nowMs: number): void => {
    if (recentRequests.size > SWEEP_ABOVE_SESSIONS) {
      for (const [session, times] of recentRequests) {
        if ((times.at(-1) ?? 0) <= nowMs - WINDOW_MS) recentRequests.delete(session);
      }
    }
    const times = (recentRequests.get(sessionId) ?? []).filter((at) => at > nowMs - WINDOW_MS);
    if (times.length >= limit) {
      recentRequests.set(sessionId, times);
      const freesAt = (times[0] ?? nowMs) + WINDOW_MS;
      throw new FeedbackRateLimitedError(limit, Math.max(1, Math.ceil((freesAt - nowMs) / 1000)));
    }
    times.push(nowMs);
    recentRequests.set(sessionId, times);
  };

  return {
    async rateTurn(sessionId, turnNo, input) {
      const rating = validated(input);
      const now = clock();
      enforceRateLimit(sessionId, now.getTime());
      const turn = await deps.turns.findTurn(sessionId, turnNo);
      if (!turn) {
        if (!(await deps.turns.hasSession(sessionId))) {
          throw new NotFoundError('SESSION_NOT_FOUND', `no session with id ${sessionId}`);
        }
        throw new TurnNotFoundError(sessionId, turnNo);
      }
      const { feedback, previous } = await deps.store.rate(turn, rating, now.toISOString());
      const current = { rating: feedback.rating, ...(feedback.reason ? { reason: feedback.reason } : {}) };
      for (const observer of deps.observers ?? []) {
        try {
          observer.onFeedback({ pipeline: feedback.pipeline, current, ...(previous ? { previous } : {}) });
        } catch (error) {
          deps.onObserverError?.(error);
        }
      }
      return { feedback, replaced: previous !== undefined };
    },

    listRecent: (filter) => deps.store.listRecent(filter),

    prune: (beforeMinute) => deps.store.prune(new Date(beforeMinute * 60_000).toISOString()),
  };
}

/**
 * The rating as the service accepts it, whoever calls (HTTP validates the same with its schema first):
 * a known rating, a known reason and only on a down, a comment of at most 500 characters without NUL.
 */
function validated(input: FeedbackInput): FeedbackInput {
  if (!RATINGS.includes(input.rating)) {
    throw new InvalidInputError(`rating must be one of ${RATINGS.join(', ')}`, { field: 'rating' });
  }
  if (input.reason !== undefined) {
    if (!(FEEDBACK_REASONS as readonly string[]).includes(input.reason)) {
      throw new InvalidInputError(`reason must be one of ${FEEDBACK_REASONS.join(', ')}`, {
        field: 'reason',
      });
    }
    if (input.rating !== 'down') {
      throw new InvalidInputError('reason goes only with a "down" rating', { field: 'reason' });
    }
  }
  const comment = input.comment;
  if (comment !== undefined) {
    if ([...comment].length > MAX_COMMENT_LENGTH) {
      throw new InvalidInputError(`comment must be at most ${MAX_COMMENT_LENGTH} characters`, {
        field: 'comment',
      });
    }
    if (comment.includes('\u0000')) {
      throw new InvalidInputError('comment contains a NUL character (\\u0000)', { field: 'comment' });
    }
  }
  return {
    rating: input.rating,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(comment !== undefined && comment.trim() !== '' ? { comment } : {}),
  };
}
