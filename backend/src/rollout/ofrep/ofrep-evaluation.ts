import { SUBJECT_ID_PATTERN } from '../../shared/http-schemas.js';
import {
  bucketOf,
  type Pipeline,
  type RolloutSnapshot,
  type RouteReason,
  type Router,
  type RouteSubject,
} from '../route-decision.js';
import { FlagNotFoundError, InvalidContextError, TargetingKeyMissingError } from './ofrep-errors.js';

/** The one flag: whether the player's turns go to the AWF bundle pipeline. */
export const AWF_BUNDLE_FLAG = 'awf-bundle';

/** Every flag the evaluator knows, in the order bulk evaluation lists them. */
export const FLAG_KEYS: readonly string[] = [AWF_BUNDLE_FLAG];

/** OpenFeature's resolution reasons used here (DESIGN §3 rows mapped onto them). */
export type EvaluationReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT';

/** One flag's answer: OFREP's `evaluationSuccess` (and what the in-process provider resolves). */
export interface FlagEvaluation {
  key: string;
  /** true: AWF. Exactly what the turn path decides for this player now. */
  value: boolean;
  reason: EvaluationReason;
  variant: Pipeline;
  metadata: {
    /** The player's 0–9999 bucket (`bucketOf(userId ?? sessionId)`). */
    bucket: number;
    /** The effective percentage; absent while the rollout state cannot be read. */
    percent?: number;
    /** The precedence row that decided (DESIGN §3). */
    routeReason: RouteReason;
  };
}

/**
 * The routing row → OpenFeature reason: the process switches are STATIC, overrides TARGETING_MATCH,
 * the global flag off DISABLED, the percentage SPLIT; an unreadable state falls back to the default
 * (legacy), DEFAULT.
 */
export function evaluationReasonOf(routeReason: RouteReason): EvaluationReason {
  switch (routeReason) {
    case 'emergency_fallback':
    case 'legacy_forced':
    case 'direct_call':
      return 'STATIC';
    case 'session_override':
    case 'user_override':
      return 'TARGETING_MATCH';
    case 'global_disabled':
      return 'DISABLED';
    case 'percent_bucket':
      return 'SPLIT';
    case 'rollout_state_unavailable':
      return 'DEFAULT';
  }
}

const ID = new RegExp(SUBJECT_ID_PATTERN);

function idField(context: Record<string, unknown>, name: string): string | undefined {
  const value = context[name];
  if (value === undefined || value === null || (name === 'targetingKey' && value === '')) return undefined;
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new InvalidContextError(
      `context.${name} must be a string of 1–128 letters, digits and . _ : @ - starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * The player an evaluation context names, as the turn path routes them: `targetingKey` is the user
 * id, falling back to the session id (`userId ?? sessionId`, the bucketing key); a player without an
 * account is known by the session, as when a session starts without a userId. `sessionId` lets
 * session overrides apply; without it the targeting key stands in for the session too, exactly as
 * for an anonymous session. Other context attributes are ignored.
 */
export function subjectOfContext(context: unknown): RouteSubject {
  if (context === undefined || context === null) throw new TargetingKeyMissingError();
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new InvalidContextError('context must be a JSON object');
  }
  const fields = context as Record<string, unknown>;
  const targetingKey = idField(fields, 'targetingKey');
  const userId = idField(fields, 'userId');
  const sessionId = idField(fields, 'sessionId');
  if (userId !== undefined && targetingKey !== undefined && userId !== targetingKey) {
    throw new InvalidContextError('context.targetingKey must be the userId when both are given');
  }
  const key = userId ?? targetingKey ?? sessionId;
  if (key === undefined) throw new TargetingKeyMissingError();
  return { sessionId: sessionId ?? key, userId: key };
}

/** Counts evaluations per flag and variant (never a row each): see evaluation-counter.ts. */
export interface EvaluationRecorder {
  record(flagKey: string, variant: string): void;
}

/** Flag evaluation over the live rollout: what the OFREP routes and the in-process provider answer with. */
export interface FlagEvaluator {
  /** One flag for the context's player; throws FlagNotFoundError / InvalidContextError / TargetingKeyMissingError. */
  evaluate(flagKey: string, context: unknown): FlagEvaluation;
  /** Every flag for the context's player, in FLAG_KEYS order. */
  evaluateAll(context: unknown): FlagEvaluation[];
}

export interface FlagEvaluatorDeps {
  /** The same Router the turn service decides with. */
  router: Router;
  /** The live snapshot the router reads, for the metadata's percentage. */
  snapshot: () => RolloutSnapshot | undefined;
  recorder?: EvaluationRecorder;
}

/** Evaluations ask the turn path's own `Router.decide()`: pure and in memory, counted, never stored one by one. */
export function createFlagEvaluator(deps: FlagEvaluatorDeps): FlagEvaluator {
  const { router, snapshot, recorder } = deps;

  const awfBundle = (subject: RouteSubject): FlagEvaluation => {
    const decision = router.decide(subject);
    const percent = snapshot()?.percent;
    const evaluation: FlagEvaluation = {
      key: AWF_BUNDLE_FLAG,
      value: decision.pipeline === 'awf',
      reason: evaluationReasonOf(decision.reason),
      variant: decision.pipeline,
      metadata: {
        bucket: decision.bucket ?? bucketOf(subject.userId ?? subject.sessionId),
        ...(percent === undefined ? {} : { percent }),
        routeReason: decision.reason,
      },
    };
    recorder?.record(AWF_BUNDLE_FLAG, evaluation.variant);
    return evaluation;
  };

  return {
    evaluate(flagKey, context) {
      if (flagKey !== AWF_BUNDLE_FLAG) throw new FlagNotFoundError(flagKey);
      return awfBundle(subjectOfContext(context));
    },
    evaluateAll(context) {
      return [awfBundle(subjectOfContext(context))];
    },
  };
}
