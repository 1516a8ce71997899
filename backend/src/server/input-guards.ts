import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../shared/errors.js';

/** How deep a request body may nest objects and arrays; no route needs more than a few levels. */
export const MAX_BODY_DEPTH = 64;

/**
 * Walk a parsed JSON body without recursion (an explicit stack, so no nesting can overflow ours) and
 * return the first problem: a container deeper than {@link MAX_BODY_DEPTH}, or where in document order
 * the first NUL character sits (in a string or a key), e.g. `body/input`.
 */
function bodyProblem(body: unknown): string | undefined {
  const stack: Array<{ value: unknown; at: string; depth: number }> = [{ value: body, at: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, at, depth } = stack.pop() as { value: unknown; at: string; depth: number };
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return `${at} contains a NUL character (\\u0000)`;
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth + 1 > MAX_BODY_DEPTH) {
      return `body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels (at ${at})`;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : Object.entries(value);
    // Pushed last to first, so the first child is looked at first.
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, item] = entries[i] as [string, unknown];
      if (key.includes('\u0000')) stack.push({ value: key, at: `${at}/${key}`, depth });
      else stack.push({ value: item, at: `${at}/${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Reject, once for every route, a body that is not JSON, NUL characters anywhere in a request — PostgreSQL cannot store them in
 * text (SQLite silently can), so letting one through would answer 500 on one store and 200 on the other —
 * and bodies nested beyond MAX_BODY_DEPTH, before validation or a handler could recurse into them.
 */
export function registerInputGuards(app: FastifyInstance): void {
  // The API speaks JSON only: a text/plain body is refused as 415 rather than failing the schema as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url) || request.url.includes('\u0000')) {
      throw new InvalidInputError('the URL contains a NUL character (%00)');
    }
  });
  // preValidation: before schema validation or any handler walks a body that could be absurdly deep.
  app.addHook('preValidation', async (request) => {
    const problem = bodyProblem(request.body);
    if (problem) throw new InvalidInputError(problem);
  });
}
