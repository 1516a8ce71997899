import type { TokenUsage } from '../game/game-types.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One model call. `kind` tells the provider which answer format the caller expects. */
export interface ModelRequest {
  kind: 'awf' | 'legacy';
  messages: ChatMessage[];
  /** Seed for this call (derived from session seed, turn and attempt); providers that can, honour it. */
  seed: number;
  /** Ask for a JSON object answer (AWF). */
  jsonMode: boolean;
  /**
   * AWF: the bundle the messages carry, as the object its JSON was written from. An in-process model
   * (the local one) reads it rather than parsing the message back; remote providers send the messages.
   */
  bundle?: unknown;
}

export interface ModelResponse {
  text: string;
  tokens: TokenUsage;
}

/** The one interface every model provider implements (DESIGN §2). */
export interface ModelProvider {
  readonly name: string;
  complete(request: ModelRequest): Promise<ModelResponse>;
}
