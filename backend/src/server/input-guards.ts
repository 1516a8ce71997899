import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../shared/errors.js';

/** Where in a JSON value the first string with a NUL character sits, e.g. `body.input`. */
function nulPath(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPath(item, `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000') ? `${at}/${key}` : nulPath(item, `${at}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Reject, once for every route, a body that is not JSON and NUL characters anywhere in a request:
 * PostgreSQL cannot store NUL in text (SQLite silently can), so letting one through would answer 500
 * on one store and 200 on the other.
 */
export function registerInputGuards(app: FastifyInstance): void {
  // The API speaks JSON only: a text/plain body is refused as 415 rather than failing the schema as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url) || request.url.includes('\u0000')) {
      throw new InvalidInputError('the URL contains a NUL character (%00)');
    }
  });
  app.addHook('preValidation', async (request) => {
    const found = nulPath(request.body, 'body');
    if (found) throw new InvalidInputError(`${found} contains a NUL character (\\u0000)`);
  });
}
