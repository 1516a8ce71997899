import type { Pipeline } from '../game/game-types.js';
import type { CountedRating, Feedback, FeedbackInput, Rating } from './feedback-types.js';
import type { RatedTurn } from './rated-turns.js';

/** Which stored ratings to list, newest first. */
export interface FeedbackFilter {
  /** ISO 8601: rated (or re-rated) at or after. */
  since: string;
  pipeline?: Pipeline;
  rating?: Rating;
  limit: number;
}

/** Where ratings live: one row per turn. */
export interface FeedbackStore {
  /**
   * Stores `input` as the turn's rating, atomically: a first rating inserts, a later one replaces it
   * and returns what it replaced (so the counts move from the old rating to the new one).
   */
  rate(
    turn: RatedTurn,
    input: FeedbackInput,
    at: string,
  ): Promise<{ feedback: Feedback; previous?: CountedRating }>;
  listRecent(filter: FeedbackFilter): Promise<Feedback[]>;
  /** Deletes ratings last changed before `beforeIso`; returns how many. */
  prune(beforeIso: string): Promise<number>;
}
