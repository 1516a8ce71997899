import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Dashboard } from './create-dashboard.js';

export interface DashboardRoutesOptions {
  auth: AuthService;
  dashboard: Dashboard;
}

const CLIENT_DIR = path.join(import.meta.dirname, 'client');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * No inline script or style markup, nothing from another origin: even a string that escaped the
 * page's escaping could run nothing. (uPlot sizes its canvas through the CSSOM, which CSP allows.)
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A stream ends after this long; the page reconnects, so a revoked or expired token stops it soon. */
const MAX_STREAM_MS = 5 * 60_000;
const HEARTBEAT_MS = 15_000;

interface Asset {
  type: string;
  body: Buffer;
}

/** The client's files and uPlot's, read once: served by name, so no path reaches the filesystem. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(CLIENT_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(path.join(CLIENT_DIR, name)) });
  }
  const require = createRequire(import.meta.url);
  const uplotDir = path.dirname(require.resolve('uplot/dist/uPlot.min.css'));
  assets.set('uPlot.esm.js', {
    type: TYPES['.js'] as string,
    body: readFileSync(path.join(uplotDir, 'uPlot.esm.js')),
  });
  assets.set('uPlot.min.css', {
    type: TYPES['.css'] as string,
    body: readFileSync(path.join(uplotDir, 'uPlot.min.css')),
  });
  return assets;
}

/**
 * The operator dashboard (issue 13): `GET /dashboard` (the page), its static client, which features
 * this server has, the golden runs it shows, and a server-sent event stream that tells an open page
 * when the rollout, the audit head or the SLO minute moved. Every other read and every action goes
 * through the admin API the CLI uses.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardRoutesOptions): Promise<void> {
  const { auth, dashboard } = opts;
  const assets = loadAssets();
  const streams = new Set<() => void>();

  const sendAsset = (name: string) => async (_request: unknown, reply: import('fastify').FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) return reply.callNotFound();
    return reply
      .header('content-type', asset.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'no-referrer')
      .send(asset.body);
  };

  app.get('/dashboard', sendAsset('index.html'));
  app.get<{ Params: { name: string } }>(
    '/dashboard/assets/:name',
    {
      schema: {
        params: {
          type: 'object',
          properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } },
        },
      },
    },
    (request, reply) => sendAsset(request.params.name)(request, reply),
  );

  // Which optional panels this server can fill (the staged plan lands in another change); no auth:
  // it tells nothing but whether a route exists.
  app.get('/dashboard/features', async () => ({
    plan: app.hasRoute({ method: 'GET', url: '/api/admin/plan' }),
  }));

  app.get<{ Querystring: { limit?: string } }>(
    '/api/admin/goldens',
    {
      onRequest: requirePermission(auth, 'rollout.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^(?:[1-9]|[1-4][0-9]|50)$' } },
        },
      },
    },
    async (request) =>
      dashboard.goldens.latestRuns(request.query.limit === undefined ? 5 : Number(request.query.limit)),
  );

  // Server-sent events over a fetch() that carries the Bearer header (EventSource cannot), so no
  // token or ticket ever sits in a URL that a log would keep.
  app.get(
    '/api/admin/events',
    { onRequest: requirePermission(auth, 'rollout.read') },
    async (request, reply) => {
      const initial = await dashboard.changes.current();
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('hello', initial);
      const unsubscribe = dashboard.changes.subscribe((state) => send('change', state));
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        unsubscribe();
        streams.delete(end);
        raw.end();
      };
      const lifetime = setTimeout(end, MAX_STREAM_MS);
      streams.add(end);
      request.raw.on('close', end);
    },
  );

  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
}
