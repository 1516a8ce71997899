import type { FastifyInstance } from 'fastify';
import { InvalidTokenError, MissingTokenError } from '../auth/auth-errors.js';
import type { TurnMetrics } from './turn-metrics.js';

/**
 * GET /metrics: the Prometheus exposition of this instance (DESIGN §7: Prometheus scrapes each one).
 * With AWF_METRICS_TOKEN set it needs `Authorization: Bearer <token>` (401 otherwise, no audit entry:
 * a misconfigured scraper retries every interval); unset, it is open for a scraper behind the network
 * boundary.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { metrics: TurnMetrics }): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    const access = opts.metrics.authorizeScrape(request.headers.authorization);
    if (access !== 'allowed') {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw access === 'missing'
        ? new MissingTokenError('no token: send Authorization: Bearer <AWF_METRICS_TOKEN> to read /metrics')
        : new InvalidTokenError();
    }
    const { contentType, body } = await opts.metrics.scrape();
    return reply.type(contentType).send(body);
  });
}
