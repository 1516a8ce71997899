import type { Content } from '../../content/content-types.js';
import { choicesFor } from '../../content/scene-choices.js';
import type { GameState, TokenUsage } from '../../game/game-types.js';
import type { ModelProvider } from '../../model/model-provider.js';
import { AppError, ModelTimeoutError } from '../../shared/errors.js';
import { deriveSeed } from '../../shared/seeded-random.js';
import {
  isReadableLegacyAnswer,
  type ParsedLegacyAnswer,
  parseLegacyAnswer,
  renderLegacyPrompt,
} from './legacy-format.js';

/** Why the legacy pipeline could not answer; a player sees only this, never the upstream text. */
export type LegacyFailureReason = 'provider_error' | 'timeout' | 'unparseable_answer';

export const LEGACY_FAILURE_REASONS: readonly LegacyFailureReason[] = [
  'provider_error',
  'timeout',
  'unparseable_answer',
];

/** What a player is told when no pipeline could answer: fixed, so nothing upstream reaches them. */
export const LEGACY_UNAVAILABLE_MESSAGE = 'the story cannot continue right now; try again';

/**
 * The legacy pipeline could not answer (503). The body carries a fixed message and `details.reason`;
 * what went wrong upstream is the error's `cause`, for the server log only.
 */
export class LegacyUnavailableError extends AppError {
  readonly reason: LegacyFailureReason;

  constructor(reason: LegacyFailureReason, cause: Error) {
    super('LEGACY_UNAVAILABLE', LEGACY_UNAVAILABLE_MESSAGE, 503, { reason });
    this.reason = reason;
    this.cause = cause;
  }
}

export interface LegacyTurnRequest {
  state: GameState;
  sessionSeed: number;
  turnNo: number;
  input: string;
}

export type LegacyTurnOutcome = ParsedLegacyAnswer & { tokens: TokenUsage };

export interface LegacyTurnDeps {
  content: Content;
  provider: ModelProvider;
}

/** The legacy engine: text prompt → free text → parsed choices, effects and location. */
export async function runLegacyTurn(
  deps: LegacyTurnDeps,
  request: LegacyTurnRequest,
): Promise<LegacyTurnOutcome> {
  const { content, provider } = deps;
  const { state } = request;
  const prompt = renderLegacyPrompt(content, {
    scene: state.scene,
    flags: Object.keys(state.flags).filter((flag) => state.flags[flag]),
    inventory: state.inventory,
    relationships: state.relationships,
    seed: deriveSeed(request.sessionSeed, 'turn', request.turnNo),
    input: request.input,
  });
  let text: string;
  let tokens: TokenUsage;
  try {
    ({ text, tokens } = await provider.complete({
      kind: 'legacy',
      messages: [{ role: 'user', content: prompt }],
      seed: deriveSeed(request.sessionSeed, 'turn', request.turnNo, 'legacy'),
      jsonMode: false,
    }));
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new LegacyUnavailableError(
      error instanceof ModelTimeoutError ? 'timeout' : 'provider_error',
      cause,
    );
  }
  if (!isReadableLegacyAnswer(text)) {
    throw new LegacyUnavailableError(
      'unparseable_answer',
      new Error(`the legacy model's answer has no Location line and no numbered choices: ${preview(text)}`),
    );
  }
  const maxChoices = content.contract.output.maxChoices;
  const parsed = parseLegacyAnswer(text, content, state, maxChoices);
  const scene = content.scenesById.get(parsed.scene);
  // The old engine always offered something: when the answer listed no choices, the scene's own do.
  const choices = parsed.choices.length > 0 || !scene ? parsed.choices : choicesFor(scene, state, maxChoices);
  const txt = parsed.txt.length > 0 ? parsed.txt : (scene?.description ?? '');
  return { ...parsed, txt, choices, tokens };
}

const PREVIEW_LENGTH = 200;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  return JSON.stringify(flat.length > PREVIEW_LENGTH ? `${flat.slice(0, PREVIEW_LENGTH)}…` : flat);
}
