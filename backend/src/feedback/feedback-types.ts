import type { Pipeline } from '../game/game-types.js';
import type { RatedTurn } from './rated-turns.js';

/** A player's verdict on one turn. */
export type Rating = 'up' | 'down';

export const RATINGS: readonly Rating[] = ['up', 'down'];

/** Why a turn was rated down. */
export const FEEDBACK_REASONS = [
  'incoherent',
  'wrong_state',
  'offensive',
  'slow',
  'broken',
  'other',
] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** The longest comment a player may leave (characters). */
export const MAX_COMMENT_LENGTH = 500;

/** One turn's rating as stored, attributed to the pipeline that answered (copied from the turn record). */
export interface Feedback extends RatedTurn {
  rating: Rating;
  reason?: FeedbackReason;
  comment?: string;
  /** ISO 8601: first rated. */
  createdAt: string;
  /** ISO 8601: last rated. */
  updatedAt: string;
}

/** What a player sends. */
export interface FeedbackInput {
  rating: Rating;
  reason?: FeedbackReason;
  comment?: string;
}

/** A rating as counted: the rating and, for a down, its reason. */
export interface CountedRating {
  rating: Rating;
  reason?: FeedbackReason;
}

/** A stored rating, told to the aggregates and metrics after it committed. */
export interface FeedbackEvent {
  /** The pipeline that answered the rated turn. */
  pipeline: Pipeline;
  /** The rating this one replaced, when the turn was rated before: it is uncounted. */
  previous?: CountedRating;
  current: CountedRating;
}

/** Something that counts ratings (the SLO aggregates, the Prometheus counters). */
export interface FeedbackObserver {
  onFeedback(event: FeedbackEvent): void;
}
