import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../app/create-services.js';
import { adminRoutes } from './admin-routes.js';
import { answerFrameworkError, registerErrorHandler } from './error-handler.js';
import { registerInputGuards } from './input-guards.js';
import { metricsRoutes } from './metrics-routes.js';
import { playerRoutes } from './player-routes.js';

export interface BuildAppOptions {
  services: Services;
  logger?: boolean | { level: string };
}

/** The HTTP app, apart from listening, so tests drive it with inject() (CONVENTIONS 6). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    // Errors raised before routing (a URL that does not decode) get our codes too, not Fastify's.
    frameworkErrors: answerFrameworkError,
    // Reject rather than coerce or strip: a wrong type or an unknown field is the client's mistake to hear about.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  registerErrorHandler(app);
  registerInputGuards(app);
  app.get('/healthz', async () => ({ ok: true }));
  await app.register(playerRoutes, { turns: options.services.turns });
  const { auth, rollout, audit } = options.services;
  await app.register(adminRoutes, { auth, rollout, audit });
  await app.register(metricsRoutes, { metrics: options.services.metrics });
  return app;
}
