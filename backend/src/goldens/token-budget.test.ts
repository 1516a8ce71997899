import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelProvider, ModelRequest } from '../model/model-provider.js';
import { createTokenBudget, TokenBudgetExhaustedError } from './token-budget.js';

/** A model that answers every call with these prompt and completion tokens. */
function costly(tokensIn = 400, tokensOut = 100): ModelProvider & { calls: number } {
  return {
    name: 'openai',
    calls: 0,
    async complete() {
      this.calls++;
      return { text: '{}', tokens: { in: tokensIn, out: tokensOut } };
    },
  };
}

/** 400 characters: at 1 token per 4 characters, a 100-token prompt estimate. */
const request: ModelRequest = {
  kind: 'awf',
  messages: [{ role: 'user', content: 'x'.repeat(400) }],
  seed: 1,
  jsonMode: true,
};

describe('createTokenBudget()', () => {
  it('refuses the call whose worst case would go over the limit, and every call after it, learning a tokenizer denser than 4 characters a token', async () => {
    const model = costly();
    const budget = createTokenBudget(2000);
    const guarded = budget.guard(model, 100);
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      await guarded.complete(request).catch((error: unknown) => {
        assert.ok(error instanceof TokenBudgetExhaustedError);
        refused++;
      });
    }
    const spent = budget.spent();
    assert.ok(spent.in + spent.out <= 2000, `spent ${spent.in + spent.out} of at most 2000`);
    assert.equal(budget.isExhausted(), true);
    assert.equal(model.calls + refused, 10);
    assert.ok(model.calls >= 1, 'the first call fitted');
  });

  it('counts calls in flight, so concurrent calls cannot overshoot together', async () => {
    const model = costly(100, 100);
    const budget = createTokenBudget(1000);
    const guarded = budget.guard(model, 100);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => guarded.complete(request)));
    const spent = budget.spent();
    assert.ok(spent.in + spent.out <= 1000, `spent ${spent.in + spent.out} of at most 1000`);
    assert.ok(results.some((result) => result.status === 'rejected'));
  });

  it('counts every token and refuses nothing without a limit', async () => {
    const model = costly();
    const budget = createTokenBudget(undefined);
    const guarded = budget.guard(model, 100);
    for (let i = 0; i < 5; i++) await guarded.complete(request);
    assert.deepEqual(budget.spent(), { in: 2000, out: 500 });
    assert.equal(budget.isExhausted(), false);
  });
});
