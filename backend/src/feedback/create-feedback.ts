import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { createFeedbackService, type FeedbackService } from './feedback-service.js';
import type { FeedbackObserver } from './feedback-types.js';
import { createKyselyFeedbackStore } from './kysely-feedback-store.js';
import { createKyselyRatedTurns } from './rated-turns.js';

export interface FeedbackWiring {
  database: Database;
  /** Who counts the ratings: the SLO aggregates and the Prometheus counters. */
  observers: readonly FeedbackObserver[];
  /** The SLO retention schedule (SLO_RETENTION_DAYS, at most hourly); feedback rows are pruned with it. */
  retention?: { onPrune(task: (beforeMinute: number) => Promise<unknown>): unknown };
  clock?: () => Date;
}

/** The feedback capability wired from its slice of config: the app and the tests both use this. */
export function createFeedback(config: Pick<Config, 'feedback'>, wiring: FeedbackWiring): FeedbackService {
  const feedback = createFeedbackService({
    store: createKyselyFeedbackStore(wiring.database),
    turns: createKyselyRatedTurns(wiring.database.db),
    observers: wiring.observers,
    ratingsPerSessionPerMinute: config.feedback.ratingsPerSessionPerMinute,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  wiring.retention?.onPrune((beforeMinute) => feedback.prune(beforeMinute));
  return feedback;
}
