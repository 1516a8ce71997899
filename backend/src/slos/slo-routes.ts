import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { InvalidInputError } from '../shared/errors.js';
import type { SloService } from './awf-slos.js';
import { SLO_WINDOWS, type SloWindow } from './slo-definitions.js';
import { sloStatusDocument } from './slo-status-command.js';

export interface SloRoutesOptions {
  auth: AuthService;
  slos: Pick<SloService, 'status'>;
  /** The window when none is asked for: SLO_EVALUATION_WINDOW, as slo-status uses. */
  defaultWindow: SloWindow;
}

/** A `window` query value as slo-status's `--window` accepts it; else 400 INVALID_INPUT naming it. */
export function parseSloWindow(text: string): SloWindow {
  const window = SLO_WINDOWS.find((candidate) => candidate === text);
  if (window === undefined) {
    throw new InvalidInputError(
      `window must be one of ${SLO_WINDOWS.join(', ')} (got ${JSON.stringify(text)})`,
    );
  }
  return window;
}

/**
 * GET /api/admin/slo?window=5m|1h|24h|7d (slo.read): exactly what `slo-status --json` prints, from the
 * same code — the report over the window with the gate's `status` and `result`. It always answers 200
 * when the report was read: the verdict is in `status`, not the HTTP status.
 */
export async function sloRoutes(app: FastifyInstance, opts: SloRoutesOptions): Promise<void> {
  app.get<{ Querystring: { window?: string } }>(
    '/api/admin/slo',
    {
      onRequest: requirePermission(opts.auth, 'slo.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { window: { type: 'string', maxLength: 16 } },
        },
      },
    },
    async (request) => {
      const window = parseSloWindow(request.query.window ?? opts.defaultWindow);
      return sloStatusDocument(await opts.slos.status(window));
    },
  );
}
