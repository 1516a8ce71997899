import type { ModelProvider, ModelRequest } from '../model/model-provider.js';

/** A call refused because it could take the run's tokens over --max-tokens-total. */
export class TokenBudgetExhaustedError extends Error {
  constructor(limit: number) {
    super(`--max-tokens-total ${limit} reached: no more model calls in this run`);
  }
}

/**
 * The run's token budget (`--max-tokens-total`). Before a call it reserves the call's worst case: the
 * prompt's tokens (estimated from its length, at least 1 token per 4 characters, more when the endpoint
 * has reported more) plus the most the answer may take (the provider's max output tokens); a call whose
 * worst case, added to what is spent and reserved, would go over the limit is refused, and from then on
 * every call is. So the run stops before it spends more than the limit, also with calls in flight.
 */
export interface TokenBudget {
  readonly limit: number | undefined;
  /** Tokens the endpoint reported for finished calls (in + out). */
  spent(): { in: number; out: number };
  isExhausted(): boolean;
  /** Wrap a provider so its calls are reserved and settled against this budget. */
  guard(provider: ModelProvider, maxOutputTokens: number): ModelProvider;
}

const MIN_TOKENS_PER_CHAR = 1 / 4;

export function createTokenBudget(limit: number | undefined): TokenBudget {
  const spent = { in: 0, out: 0 };
  let reserved = 0;
  let exhausted = false;
  // The largest prompt tokens per character the endpoint has reported, so the estimate learns a
  // tokenizer that packs fewer characters into a token than the floor assumes.
  let tokensPerChar = MIN_TOKENS_PER_CHAR;

  return {
    limit,
    spent: () => ({ ...spent }),
    isExhausted: () => exhausted,
    guard(provider, maxOutputTokens) {
      return {
        name: provider.name,
        async complete(request: ModelRequest) {
          const chars = promptChars(request);
          const worstCase = Math.ceil(chars * tokensPerChar) + maxOutputTokens;
          if (limit !== undefined) {
            if (exhausted || spent.in + spent.out + reserved + worstCase > limit) {
              exhausted = true;
              throw new TokenBudgetExhaustedError(limit);
            }
          }
          reserved += worstCase;
          try {
            const response = await provider.complete(request);
            spent.in += response.tokens.in;
            spent.out += response.tokens.out;
            if (chars > 0) tokensPerChar = Math.max(tokensPerChar, response.tokens.in / chars);
            return response;
          } finally {
            reserved -= worstCase;
          }
        },
      };
    },
  };
}

function promptChars(request: ModelRequest): number {
  return request.messages.reduce((sum, message) => sum + message.content.length, 0);
}
