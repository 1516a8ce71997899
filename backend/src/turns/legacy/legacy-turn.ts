import type { Content } from '../../content/content-types.js';
import { choicesFor } from '../../content/scene-choices.js';
import type { GameState, TokenUsage } from '../../game/game-types.js';
import type { ModelProvider } from '../../model/model-provider.js';
import { AppError } from '../../shared/errors.js';
import { deriveSeed } from '../../shared/seeded-random.js';
import { type ParsedLegacyAnswer, parseLegacyAnswer, renderLegacyPrompt } from './legacy-format.js';

export class LegacyUnavailableError extends AppError {
  constructor(reason: string) {
    super('LEGACY_UNAVAILABLE', `the legacy pipeline could not answer: ${reason}`, 503);
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
    throw new LegacyUnavailableError((error as Error).message);
  }
  const maxChoices = content.contract.output.maxChoices;
  const parsed = parseLegacyAnswer(text, content, state, maxChoices);
  const scene = content.scenesById.get(parsed.scene);
  // The old engine always offered something: when the answer listed no choices, the scene's own do.
  const choices = parsed.choices.length > 0 || !scene ? parsed.choices : choicesFor(scene, state, maxChoices);
  const txt = parsed.txt.length > 0 ? parsed.txt : (scene?.description ?? '');
  return { ...parsed, txt, choices, tokens };
}
