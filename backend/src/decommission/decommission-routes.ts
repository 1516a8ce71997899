import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { InvalidInputError } from '../shared/errors.js';
import { DEFAULT_DAYS, DEFAULT_GOLDEN_RUNS, type DecommissionService } from './decommission-service.js';

export interface DecommissionRoutesOptions {
  auth: AuthService;
  decommission: DecommissionService;
}

/** A query number as typed: digits with an optional fraction (whole only when `whole`); else INVALID_INPUT. */
function queryNumber(name: string, text: string | undefined, fallback: number, whole: boolean): number {
  if (text === undefined) return fallback;
  const pattern = whole ? /^\d{1,3}$/ : /^\d{1,4}(\.\d{1,3})?$/;
  if (!pattern.test(text)) {
    throw new InvalidInputError(
      `${name} must be ${whole ? 'a whole number' : 'a number of days above 0'}, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

/**
 * GET /api/admin/decommission?days=7&goldenRuns=3 (audit.read, as the script): exactly what
 * `awf-decommission.ts check --json` prints, from the same service. It answers 200 whenever the data
 * was read: the verdict is in `ready`, not the HTTP status.
 */
export async function decommissionRoutes(
  app: FastifyInstance,
  opts: DecommissionRoutesOptions,
): Promise<void> {
  app.get<{ Querystring: { days?: string; goldenRuns?: string } }>(
    '/api/admin/decommission',
    {
      onRequest: requirePermission(opts.auth, 'audit.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            days: { type: 'string', maxLength: 16 },
            goldenRuns: { type: 'string', maxLength: 16 },
          },
        },
      },
    },
    async (request) =>
      opts.decommission.check({
        days: queryNumber('days', request.query.days, DEFAULT_DAYS, false),
        goldenRuns: queryNumber('goldenRuns', request.query.goldenRuns, DEFAULT_GOLDEN_RUNS, true),
      }),
  );
}
