import { parseConfig } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { GameState, Pipeline, Session, TurnRecord, TurnResult } from '../game/game-types.js';
import { createModelProvider } from '../model/create-provider.js';
import type { ModelProvider } from '../model/model-provider.js';
import { createEnvironmentRouter } from '../rollout/route-decision.js';
import { openDatabase } from '../store/database.js';
import { createTurns } from '../turns/create-turns.js';
import type { ShadowObserver } from '../turns/shadow/shadow-runner.js';
import type { Opening } from '../turns/turn-service.js';
import type { Scenario } from './scenario.js';

/** One played turn, as the player saw it and as the store kept it. */
export interface PlayedTurn {
  turn: number;
  /** The input as the scenario wrote it. */
  input: string;
  /** The input the turn service stored (a bare number becomes the picked choice's label). */
  resolvedInput: string;
  routeReason: string;
  recordedAt: string;
  result: TurnResult;
  /** The session's game state after the turn, read back from the store. */
  state: GameState;
}

export interface PlayedScenario {
  opening: Opening;
  turns: PlayedTurn[];
  contentHash: string;
  awfVersion: string;
  modelProvider: string;
  /** What the store kept at the end (after any shadow runs finished): the session and every turn record. */
  stored: { session: Session; turns: TurnRecord[] };
}

/** A turn threw instead of answering; the scenario cannot be compared. */
export class ScenarioPlayError extends Error {
  constructor(
    readonly turn: number,
    readonly input: string,
    cause: unknown,
    /** The turns played before this one (a sampled run still judges their expectations). */
    readonly playedBefore: readonly PlayedTurn[] = [],
  ) {
    const code = (cause as { code?: unknown }).code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    // The operator reading a golden report needs the upstream reason a player is never shown.
    const upstream =
      cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    super(
      `turn ${turn} ("${input}") threw${typeof code === 'string' ? ` ${code}` : ''}: ${reason}${upstream}`,
      {
        cause,
      },
    );
  }
}

export interface PlayOptions {
  contentDir: string;
  /** Tests only: wrap the configured provider(s) (e.g. a narrator that says something else). */
  wrapProvider?: (provider: ModelProvider) => ModelProvider;
  /**
   * Sampled runs against a real model: the model settings (AWF_MODEL_*, AWF_LEGACY_MODEL_*, see
   * {@link modelSettingsEnv}) that replace the local model. Absent: the local model with the scenario's
   * fault injection, one provider answering both pipelines.
   */
  modelEnv?: Readonly<Record<string, string>>;
  /**
   * Tests only: also run shadow turns (issue 11) at this rate on the same local model, unbounded, and
   * wait for them before reading what the store kept; the proof that shadow changes nothing.
   */
  shadow?: { percent: number; observers: readonly ShadowObserver[] };
}

/** Wraps a pipeline's provider for one play (a sample's seed, its token budget). */
export type ProviderWrap = (provider: ModelProvider, pipeline: Pipeline) => ModelProvider;

/** A scenario ready to be played, once or many times (each play a new session on the same store). */
export interface ScenarioPlayer {
  play(wrap?: ProviderWrap): Promise<PlayedScenario>;
  close(): Promise<void>;
}

/**
 * The environment a scenario runs in. Built from scratch, never from process.env, so an operator's
 * AWF_LOCAL_INVALID_RATE or DATABASE_URL cannot leak into a golden: AWF for everyone (flag on, 100 %)
 * or legacy forced, the local model with the scenario's fault injection, an in-memory SQLite store.
 */
export function scenarioEnv(
  scenario: Scenario,
  pipeline: Pipeline,
  contentDir: string,
): Record<string, string> {
  const { model } = scenario;
  return {
    AWF_DB_PATH: ':memory:',
    AWF_CONTENT_DIR: contentDir,
    AWF_MODEL_PROVIDER: 'local',
    AWF_BUNDLE_ON: 'true',
    AWF_PERCENT_ROLLOUT: '100',
    LEGACY_TURN_ENABLED: pipeline === 'legacy' ? 'true' : 'false',
    EMERGENCY_FALLBACK: 'false',
    AWF_LOCAL_INVALID_RATE: String(model.invalidRate),
    AWF_LOCAL_ERROR_RATE: String(model.errorRate),
    AWF_LOCAL_LATENCY_MS: String(model.latencyMedianMs),
    AWF_MODEL_TIMEOUT_MS: String(model.timeoutMs),
    LOG_LEVEL: 'silent',
  };
}

const MODEL_SETTING = /^(AWF_MODEL_|AWF_LEGACY_MODEL_)[A-Z_]+$/;

/**
 * The model settings of an environment, as the server reads them (AWF_MODEL_*, AWF_LEGACY_MODEL_*,
 * OPENAI_API_KEY), with the AWF provider set to `openai`: what a sampled run plays against. The legacy
 * provider follows AWF_LEGACY_MODEL_PROVIDER, and when that is unset the AWF one, as in the server.
 */
export function modelSettingsEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (MODEL_SETTING.test(name) || name === 'OPENAI_API_KEY')) picked[name] = value;
  }
  return { ...picked, AWF_MODEL_PROVIDER: 'openai' };
}

/**
 * A sampled scenario's environment: the scenario's routing and store, the given model settings instead
 * of the local model's fault injection and timeout (a real model has its own faults and the operator's
 * timeout).
 */
export function sampledScenarioEnv(
  scenario: Scenario,
  pipeline: Pipeline,
  contentDir: string,
  modelEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const {
    AWF_LOCAL_INVALID_RATE: _invalid,
    AWF_LOCAL_ERROR_RATE: _error,
    AWF_LOCAL_LATENCY_MS: _latency,
    AWF_MODEL_TIMEOUT_MS: _timeout,
    ...base
  } = scenarioEnv(scenario, pipeline, contentDir);
  return { ...base, ...modelEnv };
}

/**
 * Play a scenario end to end through the turns capability as the process wires it (router, pipelines,
 * local model, turn service, store) on an isolated in-memory store, from the scenario's session seed.
 */
export async function playScenario(
  scenario: Scenario,
  pipeline: Pipeline,
  options: PlayOptions,
): Promise<PlayedScenario> {
  const player = await openScenarioPlayer(scenario, pipeline, options);
  try {
    return await player.play();
  } finally {
    await player.close();
  }
}

/**
 * Open a scenario for playing: its config, content, providers and a fresh in-memory store. Each play is
 * a new session from the scenario's session seed, wired through the turns capability as the process
 * wires it (router, pipelines, turn service, store).
 */
export async function openScenarioPlayer(
  scenario: Scenario,
  pipeline: Pipeline,
  options: PlayOptions,
): Promise<ScenarioPlayer> {
  const env = options.modelEnv
    ? sampledScenarioEnv(scenario, pipeline, options.contentDir, options.modelEnv)
    : scenarioEnv(scenario, pipeline, options.contentDir);
  const config = parseConfig(env);
  const content = loadContent(config.content.dir);
  const wrapped = (provider: ModelProvider): ModelProvider =>
    options.wrapProvider ? options.wrapProvider(provider) : provider;
  const awfProvider = wrapped(createModelProvider(config.model, content));
  // The local model answers both pipelines: a golden is a function of the scenario alone. A real model
  // run uses each pipeline's own settings, as the server does.
  const legacyProvider = options.modelEnv
    ? wrapped(createModelProvider(config.legacyModel, content))
    : awfProvider;
  // A scenario is a closed world: a fresh in-memory store, nothing stored, so the environment decides
  // its route (AWF_BUNDLE_ON and 100 %, or LEGACY_TURN_ENABLED) through the same decide().
  const database = await openDatabase(config.store);
  const router = createEnvironmentRouter(config.rollout);

  async function play(wrap?: ProviderWrap): Promise<PlayedScenario> {
    const turnService = createTurns({
      content,
      providers: {
        awf: wrap ? wrap(awfProvider, 'awf') : awfProvider,
        legacy: wrap ? wrap(legacyProvider, 'legacy') : legacyProvider,
      },
      database,
      router,
      ...(options.shadow
        ? {
            shadow: {
              settings: { concurrency: 4, queueSize: 100_000, maxPerMinute: 1_000_000 },
              shadowPercent: () => options.shadow?.percent ?? 0,
              observers: options.shadow.observers,
            },
          }
        : {}),
    });
    const opening = await turnService.startSession({
      userId: `golden-${scenario.name}`,
      seed: scenario.sessionSeed,
    });
    const turns: PlayedTurn[] = [];
    for (const [index, turn] of scenario.turns.entries()) {
      const number = index + 1;
      let result: TurnResult;
      try {
        result = await turnService.playTurn(opening.sessionId, turn.input);
      } catch (error) {
        throw new ScenarioPlayError(number, turn.input, error, turns);
      }
      const { session, turns: records } = await turnService.getSession(opening.sessionId);
      const record = records.find((candidate) => candidate.turnNo === number);
      if (!record)
        throw new ScenarioPlayError(number, turn.input, new Error('the turn was not stored'), turns);
      turns.push({
        turn: number,
        input: turn.input,
        resolvedInput: record.input,
        routeReason: record.routeReason,
        recordedAt: record.createdAt,
        result,
        state: session.state,
      });
    }
    await turnService.shadow?.idle();
    await turnService.shadow?.close();
    return {
      opening,
      turns,
      stored: await turnService.getSession(opening.sessionId),
      contentHash: content.hash,
      awfVersion: content.contract.awfVersion,
      modelProvider: awfProvider.name,
    };
  }

  return { play, close: () => database.close() };
}
