import type { FastifyInstance } from 'fastify';
import { principalOf, requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { EXPIRY_BODY_PROPERTIES, SUBJECT_ID_PATTERN } from '../shared/http-schemas.js';
import { HTTP_EXPIRY_FIELDS, parseSince, resolveExpiry } from '../shared/time-input.js';
import { assertPercent, type OverrideKind } from './canary-rollout.js';
import type { ClearAllOnly, RolloutService } from './rollout-service.js';

export interface RolloutRoutesOptions {
  auth: AuthService;
  rollout: RolloutService;
}

const overrideParams = {
  type: 'object',
  required: ['kind', 'subjectId'],
  properties: {
    kind: { type: 'string', enum: ['user', 'session'] },
    subjectId: { type: 'string', pattern: SUBJECT_ID_PATTERN },
  },
} as const;

/** A raise past an open critical SLO alert: `force: true` with a `reason` (the service checks the pair). */
const FORCE_PROPERTIES = {
  force: { type: 'boolean' },
  reason: { type: 'string', maxLength: 500 },
} as const;

/**
 * The rollout's admin API: status, distribution, the global flag and percentage, and overrides — the
 * scripts' operations over HTTP with the same validation, roles and audit (the service does the work).
 */
export async function rolloutRoutes(app: FastifyInstance, opts: RolloutRoutesOptions): Promise<void> {
  const { auth, rollout } = opts;
  const allow = (permission: Parameters<typeof requirePermission>[1]) => requirePermission(auth, permission);

  app.get('/api/admin/rollout', { onRequest: allow('rollout.read') }, async () => rollout.status());

  app.get<{ Querystring: { since?: string } }>(
    '/api/admin/rollout/distribution',
    {
      onRequest: allow('rollout.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: { type: 'string', maxLength: 40 } },
        },
      },
    },
    async (request) => rollout.distribution(parseSince(request.query.since ?? '24h', new Date(), 'since')),
  );

  app.get<{ Querystring: { userId?: string; sessionId?: string } }>(
    '/api/admin/rollout/explain',
    {
      onRequest: allow('rollout.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            userId: { type: 'string', pattern: SUBJECT_ID_PATTERN },
            sessionId: { type: 'string', pattern: SUBJECT_ID_PATTERN },
          },
        },
      },
    },
    // The same explanation as awf-override.ts --explain, from this server's stored state and environment.
    async (request) => rollout.explain({ userId: request.query.userId, sessionId: request.query.sessionId }),
  );

  app.put<{ Body: { globalEnabled?: boolean; percent?: number; force?: boolean; reason?: string } }>(
    '/api/admin/rollout',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            globalEnabled: { type: 'boolean' },
            percent: { type: 'number' },
            ...FORCE_PROPERTIES,
          },
        },
      },
    },
    // The flag and the percent together are one change: both apply or neither, one audit entry.
    async (request) => rollout.setRollout(principalOf(request), request.body),
  );

  app.put<{ Body: { percent: number; force?: boolean; reason?: string } }>(
    '/api/admin/rollout/percent',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['percent'],
          properties: { percent: { type: 'number' }, ...FORCE_PROPERTIES },
        },
      },
    },
    async (request) => {
      const { percent, force, reason } = request.body;
      return rollout.setPercent(principalOf(request), assertPercent(percent), { force, reason });
    },
  );

  // The shadow rate (issue 11): legacy-routed turns that also run AWF, unseen; one audit entry.
  app.put<{ Body: { percent: number } }>(
    '/api/admin/rollout/shadow',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['percent'],
          properties: { percent: { type: 'number' } },
        },
      },
    },
    async (request) => rollout.setShadow(principalOf(request), assertPercent(request.body.percent)),
  );

  app.put<{ Body: { enabled: boolean } }>(
    '/api/admin/rollout/global-flag',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled'],
          properties: { enabled: { type: 'boolean' } },
        },
      },
    },
    async (request) => rollout.setGlobalFlag(principalOf(request), request.body.enabled),
  );

  app.get('/api/admin/overrides', { onRequest: allow('rollout.read') }, async () => rollout.listOverrides());

  app.put<{
    Params: { kind: OverrideKind; subjectId: string };
    Body: { pipeline: 'awf' | 'legacy'; ttl?: string; expiresAt?: string; reason?: string };
  }>(
    '/api/admin/overrides/:kind/:subjectId',
    {
      onRequest: allow('rollout.write'),
      schema: {
        params: overrideParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['pipeline'],
          properties: {
            pipeline: { type: 'string', enum: ['awf', 'legacy'] },
            ...EXPIRY_BODY_PROPERTIES,
            reason: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
    async (request) => {
      const { kind, subjectId } = request.params;
      const { pipeline, ttl, expiresAt, reason } = request.body;
      return rollout.setOverride(principalOf(request), {
        kind,
        subjectId,
        pipeline,
        expiresAt: resolveExpiry({ ttl, expiresAt }, new Date(), HTTP_EXPIRY_FIELDS),
        reason,
      });
    },
  );

  app.delete<{ Params: { kind: OverrideKind; subjectId: string } }>(
    '/api/admin/overrides/:kind/:subjectId',
    { onRequest: allow('rollout.write'), schema: { params: overrideParams } },
    async (request) =>
      rollout.clearOverride(principalOf(request), request.params.kind, request.params.subjectId),
  );

  app.delete<{ Querystring: { only?: ClearAllOnly } }>(
    '/api/admin/overrides',
    {
      onRequest: allow('rollout.write'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { only: { type: 'string', enum: ['enable', 'disable'] } },
        },
      },
    },
    async (request) => rollout.clearAllOverrides(principalOf(request), { only: request.query.only }),
  );
}
