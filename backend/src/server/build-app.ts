import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { AuditLogger } from '../audit/audit-logger.js';
import { auditRoutes } from '../audit/audit-routes.js';
import { declarePrincipal } from '../auth/auth-http.js';
import { authRoutes } from '../auth/auth-routes.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Dashboard } from '../dashboard/create-dashboard.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import { decommissionRoutes } from '../decommission/decommission-routes.js';
import type { DecommissionService } from '../decommission/decommission-service.js';
import { feedbackRoutes } from '../feedback/feedback-routes.js';
import type { FeedbackService } from '../feedback/feedback-service.js';
import { planRoutes } from '../plan/plan-routes.js';
import type { PlanService } from '../plan/plan-service.js';
import type { Ofrep } from '../rollout/ofrep/create-ofrep.js';
import { ofrepRoutes } from '../rollout/ofrep/ofrep-routes.js';
import { rolloutRoutes } from '../rollout/rollout-routes.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { SloService } from '../slos/awf-slos.js';
import { metricsRoutes } from '../slos/metrics-routes.js';
import type { SloWindow } from '../slos/slo-definitions.js';
import { sloRoutes } from '../slos/slo-routes.js';
import type { TurnMetrics } from '../slos/turn-metrics.js';
import { playerRoutes } from '../turns/player-routes.js';
import type { TurnService } from '../turns/turn-service.js';
import { answerFrameworkError, registerErrorHandler } from './error-handler.js';
import { registerInputGuards } from './input-guards.js';

/** What the capabilities' route plugins need; the app's wired services satisfy it. */
export interface HttpServices {
  turns: TurnService;
  auth: AuthService;
  rollout: RolloutService;
  audit: AuditLogger;
  metrics: TurnMetrics;
  feedback: FeedbackService;
  ofrep: Ofrep;
  slos: SloService;
  /** The staged rollout plan's operators' service (issue 12). */
  plan: { service: PlanService };
  decommission: DecommissionService;
  dashboard: Dashboard;
  config: { sloMonitoring: { evaluationWindow: SloWindow } };
}

export interface BuildAppOptions {
  services: HttpServices;
  /** `stream` lets a test read the log lines (one JSON object each). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /**
   * AWF_REQUEST_LOG: `all` (default) logs each request as it comes and goes (two info lines);
   * `errors` logs one line per request answered 4xx (info) or 5xx (error) and nothing for the rest.
   * Error logs (the error handler's) are written either way.
   */
  requestLog?: 'all' | 'errors';
}

/**
 * The HTTP app, apart from listening, so tests drive it with inject() (CONVENTIONS 6). Each capability
 * owns its routes as a plugin; a new capability adds one registration here.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    // Errors raised before routing (a URL that does not decode) get our codes too, not Fastify's.
    frameworkErrors: answerFrameworkError,
    // Reject rather than coerce or strip: a wrong type or an unknown field is the client's mistake to hear about.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    ...(options.requestLog === 'errors'
      ? { logController: new LogController({ disableRequestLogging: true }) }
      : {}),
  });
  if (options.requestLog === 'errors') registerFailedRequestLog(app);
  registerErrorHandler(app);
  registerInputGuards(app);
  declarePrincipal(app);
  const { turns, auth, rollout, audit, metrics } = options.services;
  app.get('/healthz', async () => ({ ok: true }));
  await app.register(playerRoutes, { turns });
  await app.register(rolloutRoutes, { auth, rollout });
  await app.register(planRoutes, { auth, plan: options.services.plan.service });
  await app.register(auditRoutes, { auth, audit });
  await app.register(authRoutes, { auth });
  await app.register(metricsRoutes, { metrics });
  await app.register(feedbackRoutes, { feedback: options.services.feedback, auth });
  await app.register(ofrepRoutes, { auth, ofrep: options.services.ofrep });
  await app.register(sloRoutes, {
    auth,
    slos: options.services.slos,
    changes: audit,
    defaultWindow: options.services.config.sloMonitoring.evaluationWindow,
  });
  await app.register(decommissionRoutes, { auth, decommission: options.services.decommission });
  await app.register(dashboardRoutes, { auth, dashboard: options.services.dashboard });
  return app;
}

/** With AWF_REQUEST_LOG=errors: one line per request that was answered with an error status. */
function registerFailedRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400) return;
    const line = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else request.log.info(line, 'request refused');
  });
}
