import type { Content } from '../../content/content-types.js';
import type { FallbackReason, GameState, TokenUsage } from '../../game/game-types.js';
import type { ModelProvider, ModelResponse } from '../../model/model-provider.js';
import { ModelTimeoutError } from '../../shared/errors.js';
import { deriveSeed } from '../../shared/seeded-random.js';
import { awfMessages, repairMessages } from './awf-prompt.js';
import { assembleBundle, type RecentTurn } from './bundle-assembler.js';
import { type AwfOutput, validateOutput } from './output-validator.js';

export interface AwfTurnRequest {
  state: GameState;
  sessionSeed: number;
  turnNo: number;
  input: string;
  recent: readonly RecentTurn[];
}

interface AwfAttempts {
  retried: boolean;
  tokens: TokenUsage;
  bundleBytes: number;
}

/** An AWF turn either yields valid output or says why legacy must answer instead. */
export type AwfTurnOutcome =
  | (AwfAttempts & { ok: true; output: AwfOutput })
  | (AwfAttempts & { ok: false; reason: FallbackReason; detail: string });

export interface AwfTurnDeps {
  content: Content;
  provider: ModelProvider;
}

/**
 * Bundle → model → validate; on invalid output one retry with the validator's errors as a repair
 * hint; a second invalid answer, a provider error or a timeout ends in a fallback outcome.
 */
export async function runAwfTurn(deps: AwfTurnDeps, request: AwfTurnRequest): Promise<AwfTurnOutcome> {
  const assembled = assembleBundle({ content: deps.content, ...request });
  const attempts: AwfAttempts = { retried: false, tokens: { in: 0, out: 0 }, bundleBytes: assembled.bytes };
  const messages = awfMessages(deps.content, assembled.json);

  const call = async (attempt: number, conversation = messages): Promise<ModelResponse> => {
    const response = await deps.provider.complete({
      kind: 'awf',
      messages: conversation,
      seed: deriveSeed(request.sessionSeed, 'turn', request.turnNo, 'attempt', attempt),
      jsonMode: true,
      bundle: assembled.bundle,
    });
    attempts.tokens = {
      in: attempts.tokens.in + response.tokens.in,
      out: attempts.tokens.out + response.tokens.out,
    };
    return response;
  };

  try {
    const first = await call(1);
    const firstCheck = validateOutput(first.text, deps.content, request.state);
    if (firstCheck.ok) return { ...attempts, ok: true, output: firstCheck.output };

    attempts.retried = true;
    const second = await call(2, repairMessages(messages, first.text, firstCheck.errors));
    const secondCheck = validateOutput(second.text, deps.content, request.state);
    if (secondCheck.ok) return { ...attempts, ok: true, output: secondCheck.output };
    return { ...attempts, ok: false, reason: 'invalid_output', detail: secondCheck.errors.join('; ') };
  } catch (error) {
    const reason: FallbackReason = error instanceof ModelTimeoutError ? 'timeout' : 'provider_error';
    return { ...attempts, ok: false, reason, detail: (error as Error).message };
  }
}
