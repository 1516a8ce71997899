import type { FastifyInstance } from 'fastify';
import type { AuditLogger } from '../audit/audit-logger.js';
import { requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { InvalidInputError } from '../shared/errors.js';
import type { SloService } from './awf-slos.js';
import { SLO_WINDOWS, type SloWindow } from './slo-definitions.js';
import { SERIES_WINDOWS, type SeriesWindow, type SloSeries } from './slo-series.js';
import { sloStatusDocument } from './slo-status-command.js';

/** A change of the rollout (or of the plan that moves it) to mark on the charts' time axis. */
export interface ChangeMarker {
  at: string;
  seq: number;
  actor: string;
  action: string;
  entity: string;
}

/** Change markers per series: enough for a busy week of plan steps, never the whole log. */
const MAX_CHANGE_MARKERS = 500;

export interface SloRoutesOptions {
  auth: AuthService;
  slos: Pick<SloService, 'status' | 'series'>;
  /** Where the series reads rollout and plan changes to mark on the time axis (the audit log). */
  changes?: Pick<AuditLogger, 'query'>;
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

  /**
   * GET /api/admin/slo/series?window=1h|24h|7d (slo.read): the per-minute aggregates (every instance)
   * per step and pipeline — p95 latency, retry and fallback rates, average bundle bytes and tokens per
   * turn, ratings — with the thresholds, alert firings and the rollout changes to mark. The dashboard's
   * "Over time" charts; steps of 1, 5 and 60 minutes.
   */
  app.get<{ Querystring: { window?: string } }>(
    '/api/admin/slo/series',
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
    async (request): Promise<SloSeries & { changes: ChangeMarker[] }> => {
      const window = parseSeriesWindow(request.query.window ?? '1h');
      const series = await opts.slos.series(window);
      return { ...series, changes: await changeMarkers(opts.changes, series.from) };
    },
  );
}

/** A series `window` (1h, 24h, 7d); else 400 INVALID_INPUT naming it. */
export function parseSeriesWindow(text: string): SeriesWindow {
  const windows = Object.keys(SERIES_WINDOWS) as SeriesWindow[];
  const window = windows.find((candidate) => candidate === text);
  if (window === undefined) {
    throw new InvalidInputError(`window must be one of ${windows.join(', ')} (got ${JSON.stringify(text)})`);
  }
  return window;
}

async function changeMarkers(
  audit: Pick<AuditLogger, 'query'> | undefined,
  since: string,
): Promise<ChangeMarker[]> {
  if (!audit) return [];
  const [rollout, plan] = await Promise.all(
    ['rollout.*', 'plan.*'].map((action) => audit.query({ action, since, limit: MAX_CHANGE_MARKERS })),
  );
  return [...(rollout ?? []), ...(plan ?? [])]
    .map((entry) => ({
      at: entry.createdAt,
      seq: entry.seq,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
    }))
    .sort((a, b) => a.seq - b.seq);
}
