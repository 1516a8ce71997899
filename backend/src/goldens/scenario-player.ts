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
  /** Tests only: wrap the local provider (e.g. a narrator that says something else). */
  wrapProvider?: (provider: ModelProvider) => ModelProvider;
  /**
   * Tests only: also run shadow turns (issue 11) at this rate on the same local model, unbounded, and
   * wait for them before reading what the store kept; the proof that shadow changes nothing.
   */
  shadow?: { percent: number; observers: readonly ShadowObserver[] };
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

/**
 * Play a scenario end to end through the turns capability as the process wires it (router, pipelines,
 * local model, turn service, store) on an isolated in-memory store, from the scenario's session seed.
 */
export async function playScenario(
  scenario: Scenario,
  pipeline: Pipeline,
  options: PlayOptions,
): Promise<PlayedScenario> {
  const config = parseConfig(scenarioEnv(scenario, pipeline, options.contentDir));
  const content = loadContent(config.content.dir);
  const configured = createModelProvider(config.model, content);
  const provider = options.wrapProvider ? options.wrapProvider(configured) : configured;
  // A scenario is a closed world: a fresh in-memory store, nothing stored, so the environment decides
  // its route (AWF_BUNDLE_ON and 100 %, or LEGACY_TURN_ENABLED) through the same decide().
  const database = await openDatabase(config.store);
  // One local model answers both pipelines: a golden is a function of the scenario alone.
  const turnService = createTurns({
    content,
    providers: { awf: provider, legacy: provider },
    database,
    router: createEnvironmentRouter(config.rollout),
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
  try {
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
        throw new ScenarioPlayError(number, turn.input, error);
      }
      const { session, turns: records } = await turnService.getSession(opening.sessionId);
      const record = records.find((candidate) => candidate.turnNo === number);
      if (!record) throw new ScenarioPlayError(number, turn.input, new Error('the turn was not stored'));
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
    return {
      opening,
      turns,
      stored: await turnService.getSession(opening.sessionId),
      contentHash: content.hash,
      awfVersion: content.contract.awfVersion,
      modelProvider: provider.name,
    };
  } finally {
    await turnService.shadow?.close();
    await database.close();
  }
}
