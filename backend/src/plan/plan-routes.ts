import type { FastifyInstance } from 'fastify';
import { principalOf, requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { parseTtl } from '../shared/time-input.js';
import type { PlanService } from './plan-service.js';
import type { OnFailure, StagePercent } from './plan-types.js';

export interface PlanRoutesOptions {
  auth: AuthService;
  plan: PlanService;
}

const REASON = { type: 'string', minLength: 1, maxLength: 500 } as const;

interface StartBody {
  stages?: StagePercent[];
  bake?: string;
  minSample?: number;
  onFailure?: OnFailure;
  failAfter?: number;
  approvalBefore100?: boolean;
  runGoldens?: boolean;
}

/**
 * The staged plan's admin API: awf-plan.ts's operations over HTTP with the same validation, roles
 * (read rollout.read, change rollout.write) and audit; the service does the work.
 */
export async function planRoutes(app: FastifyInstance, opts: PlanRoutesOptions): Promise<void> {
  const { auth, plan } = opts;
  const allow = (permission: Parameters<typeof requirePermission>[1]) => requirePermission(auth, permission);

  app.get('/api/admin/plan', { onRequest: allow('rollout.read') }, async () => plan.status());

  app.post<{ Body: StartBody }>(
    '/api/admin/plan',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            stages: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              items: { anyOf: [{ type: 'number' }, { type: 'string', enum: ['shadow'] }] },
            },
            bake: { type: 'string', maxLength: 20 },
            minSample: { type: 'integer', minimum: 1 },
            onFailure: { type: 'string', enum: ['rollback', 'previous', 'pause'] },
            failAfter: { type: 'integer', minimum: 1, maximum: 1000 },
            approvalBefore100: { type: 'boolean' },
            runGoldens: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const view = await plan.start({
        stages: body.stages,
        bakeMs: body.bake === undefined ? undefined : parseTtl(body.bake, 'bake'),
        minSample: body.minSample,
        onFailure: body.onFailure,
        failAfter: body.failAfter,
        approvalBefore100: body.approvalBefore100,
        runGoldens: body.runGoldens,
        actor: principalOf(request),
      });
      reply.code(201);
      return { plan: view };
    },
  );

  app.post<{ Body: { reason: string } }>(
    '/api/admin/plan/pause',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { reason: REASON },
        },
      },
    },
    async (request) => ({
      plan: await plan.pause({ actor: principalOf(request), reason: request.body.reason }),
    }),
  );

  app.post('/api/admin/plan/resume', { onRequest: allow('rollout.write') }, async (request) => ({
    plan: await plan.resume({ actor: principalOf(request) }),
  }));

  app.post('/api/admin/plan/approve', { onRequest: allow('rollout.write') }, async (request) => ({
    plan: await plan.approve({ actor: principalOf(request) }),
  }));

  app.post<{ Body: { reason?: string } | undefined }>(
    '/api/admin/plan/abort',
    {
      onRequest: allow('rollout.write'),
      schema: { body: { type: 'object', additionalProperties: false, properties: { reason: REASON } } },
    },
    async (request) => ({
      plan: await plan.abort({ actor: principalOf(request), reason: request.body?.reason }),
    }),
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/api/admin/plan/decisions',
    {
      onRequest: allow('rollout.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' } },
        },
      },
    },
    async (request) => ({
      decisions: await plan.decisions({
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
      }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/admin/plan/decisions/:id/replay',
    {
      onRequest: allow('rollout.read'),
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (request) => plan.replay(request.params.id),
  );
}
