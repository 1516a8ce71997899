import type { FastifyInstance } from 'fastify';
import type { TurnMetrics } from '../slos/turn-metrics.js';

/** GET /metrics: the Prometheus exposition of this instance (DESIGN §7: Prometheus scrapes each one). */
export async function metricsRoutes(app: FastifyInstance, opts: { metrics: TurnMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await opts.metrics.scrape();
    return reply.type(contentType).send(body);
  });
}
