import {
  type EvaluationContext,
  FlagNotFoundError,
  GeneralError,
  InvalidContextError,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  TargetingKeyMissingError,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { parseConfig } from '../../config/config.js';
import type { Env } from '../../config/env-parsers.js';
import { openDatabase } from '../../store/database.js';
import { createRolloutReader } from '../create-rollout.js';
import type { RolloutStateCache } from '../rollout-state-cache.js';
import { createEvaluationCounter } from './evaluation-counter.js';
import { OfrepEvaluationError } from './ofrep-errors.js';
import { AWF_BUNDLE_FLAG, createFlagEvaluator, type FlagEvaluator } from './ofrep-evaluation.js';

export { AWF_BUNDLE_FLAG };

export interface AwfRolloutProviderOptions {
  /** Answers from the live rollout (createFlagEvaluator over the rollout's router and snapshot). */
  evaluator: FlagEvaluator;
  /** The live snapshot's change notifications: each becomes PROVIDER_CONFIGURATION_CHANGED. */
  state: Pick<RolloutStateCache, 'onChange'>;
  /** Run when OpenFeature closes the provider (stop watching, flush counts, close the store). */
  onClose?: () => Promise<void>;
}

/**
 * An OpenFeature server provider answering `awf-bundle` in process: the same decision the turn path
 * and the OFREP endpoint make (same evaluator, same `Router.decide()`), from the live rollout state,
 * with no network call. Emits PROVIDER_CONFIGURATION_CHANGED whenever the rollout changes.
 * `awf-bundle` is a boolean flag: value true means AWF, variant "awf" | "legacy".
 */
export class AwfRolloutProvider implements Provider {
  readonly metadata = { name: 'awf-rollout' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: AwfRolloutProviderOptions) {
    this.unsubscribe = options.state.onChange(() =>
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        message: 'the AWF rollout changed',
        flagsChanged: [AWF_BUNDLE_FLAG],
      }),
    );
  }

  async onClose(): Promise<void> {
    this.unsubscribe();
    await this.options.onClose?.();
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    _defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    try {
      const { value, variant, reason, metadata } = this.options.evaluator.evaluate(flagKey, context);
      return { value, variant, reason, flagMetadata: { ...metadata } };
    } catch (error) {
      throw toOpenFeatureError(error);
    }
  }

  async resolveStringEvaluation(flagKey: string): Promise<ResolutionDetails<string>> {
    return this.notBoolean(flagKey);
  }

  async resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    return this.notBoolean(flagKey);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    return this.notBoolean(flagKey);
  }

  private notBoolean(flagKey: string): never {
    if (flagKey !== AWF_BUNDLE_FLAG) throw new FlagNotFoundError(`no flag ${JSON.stringify(flagKey)}`);
    throw new TypeMismatchError(`${AWF_BUNDLE_FLAG} is a boolean flag (true: AWF)`);
  }
}

function toOpenFeatureError(error: unknown): Error {
  if (!(error instanceof OfrepEvaluationError)) return error as Error;
  switch (error.code) {
    case 'FLAG_NOT_FOUND':
      return new FlagNotFoundError(error.message);
    case 'INVALID_CONTEXT':
      return new InvalidContextError(error.message);
    case 'TARGETING_KEY_MISSING':
      return new TargetingKeyMissingError(error.message);
    default:
      return new GeneralError(error.message);
  }
}

/**
 * The provider for a Node service sharing the store: reads the same environment as the server
 * (DATABASE_URL or AWF_DB_PATH, AWF_BUNDLE_ON, AWF_PERCENT_ROLLOUT, LEGACY_TURN_ENABLED,
 * EMERGENCY_FALLBACK, AWF_ROLLOUT_POLL_MS, AWF_INSTANCE_ID), follows the rollout by polling (and
 * LISTEN on PostgreSQL), counts its evaluations into the shared per-minute counts, and closes the
 * store when OpenFeature closes it.
 *
 * ```ts
 * import { OpenFeature } from '@openfeature/server-sdk';
 * import { openAwfRolloutProvider } from 'awf-rollout/openfeature-provider';
 * await OpenFeature.setProviderAndWait(await openAwfRolloutProvider());
 * const awf = await OpenFeature.getClient().getBooleanValue('awf-bundle', false, { targetingKey: userId });
 * ```
 */
export async function openAwfRolloutProvider(env: Env = process.env): Promise<AwfRolloutProvider> {
  const config = parseConfig(env);
  const database = await openDatabase(config.store);
  try {
    const reader = createRolloutReader(config.rollout, { database });
    await reader.state.refresh();
    reader.state.start();
    const counter = createEvaluationCounter({
      database,
      instanceId: config.instanceId,
      flushIntervalMs: config.sloMonitoring.flushIntervalSeconds * 1000,
      retentionDays: config.sloMonitoring.retentionDays,
    });
    counter.start();
    return new AwfRolloutProvider({
      evaluator: createFlagEvaluator({
        router: reader.router,
        snapshot: reader.state.current,
        recorder: counter,
      }),
      state: reader.state,
      async onClose() {
        await reader.state.stop();
        await counter.close().catch(() => {});
        await database.close();
      },
    });
  } catch (error) {
    await database.close();
    throw error;
  }
}
