import type { FastifyInstance } from 'fastify';
import type { AuditLogger } from '../audit/audit-logger.js';
import type { AuthService } from '../auth/auth-service.js';
import { ROLES, type Role } from '../auth/roles.js';
import { assertPercent, type OverrideKind } from '../rollout/canary-rollout.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { HTTP_EXPIRY_FIELDS, parseIsoInstant, parseSince, resolveExpiry } from '../shared/time-input.js';
import { principalOf, requirePermission } from './admin-auth.js';

export interface AdminRoutesOptions {
  auth: AuthService;
  rollout: RolloutService;
  audit: AuditLogger;
}

const idPattern = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';
const expiryProperties = {
  ttl: { type: 'string', maxLength: 20 },
  expiresAt: { type: 'string', maxLength: 40 },
} as const;

const overrideParams = {
  type: 'object',
  required: ['kind', 'subjectId'],
  properties: {
    kind: { type: 'string', enum: ['user', 'session'] },
    subjectId: { type: 'string', pattern: idPattern },
  },
} as const;

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', minLength: 1, maxLength: 200 },
    action: { type: 'string', minLength: 1, maxLength: 200 },
    entity: { type: 'string', minLength: 1, maxLength: 200 },
    since: { type: 'string', maxLength: 40 },
    until: { type: 'string', maxLength: 40 },
    limit: { type: 'string', pattern: '^(?:[1-9][0-9]{0,3}|10000)$' },
  },
} as const;

interface AuditFilterQuery {
  actor?: string;
  action?: string;
  entity?: string;
  since?: string;
  until?: string;
  limit?: string;
}

/**
 * The admin API under /api/admin: the scripts' operations over HTTP with a Bearer token, the same
 * validation, roles and audit entries (the services do the work; this only maps HTTP onto them).
 */
export async function adminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { auth, rollout, audit } = opts;
  const allow = (permission: Parameters<typeof requirePermission>[1]) => requirePermission(auth, permission);
  app.decorateRequest('principal', null);

  const auditFilter = (query: AuditFilterQuery, now: Date) => ({
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.entity !== undefined ? { entity: query.entity } : {}),
    ...(query.since !== undefined ? { since: parseSince(query.since, now, 'since').toISOString() } : {}),
    ...(query.until !== undefined ? { until: parseIsoInstant(query.until, 'until').toISOString() } : {}),
  });

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

  app.put<{ Body: { globalEnabled?: boolean; percent?: number } }>(
    '/api/admin/rollout',
    {
      onRequest: allow('rollout.write'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { globalEnabled: { type: 'boolean' }, percent: { type: 'number' } },
        },
      },
    },
    // The flag and the percent together are one change: both apply or neither, one audit entry.
    async (request) => rollout.setRollout(principalOf(request), request.body),
  );

  app.put<{ Body: { percent: number } }>(
    '/api/admin/rollout/percent',
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
    async (request) => rollout.setPercent(principalOf(request), assertPercent(request.body.percent)),
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
            ...expiryProperties,
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

  app.delete('/api/admin/overrides', { onRequest: allow('rollout.write') }, async (request) =>
    rollout.clearAllOverrides(principalOf(request)),
  );

  app.get<{ Querystring: AuditFilterQuery }>(
    '/api/admin/audit',
    { onRequest: allow('audit.read'), schema: { querystring: auditQuery } },
    async (request) =>
      audit.query({
        ...auditFilter(request.query, new Date()),
        limit: request.query.limit === undefined ? 50 : Number(request.query.limit),
      }),
  );

  app.get<{ Querystring: AuditFilterQuery }>(
    '/api/admin/audit/export',
    { onRequest: allow('audit.read'), schema: { querystring: auditQuery } },
    async (request, reply) => {
      const filter = auditFilter(request.query, new Date());
      const lines: string[] = [];
      for await (const line of audit.exportNdjson(filter)) lines.push(line);
      return reply.type('application/x-ndjson').send(lines.length ? `${lines.join('\n')}\n` : '');
    },
  );

  app.get('/api/admin/audit/verify', { onRequest: allow('audit.read') }, async () => audit.verify());

  app.get('/api/admin/audit/checkpoints', { onRequest: allow('audit.read') }, async () =>
    audit.listCheckpoints(),
  );

  app.post('/api/admin/audit/checkpoints', { onRequest: allow('audit.checkpoint') }, async (request, reply) =>
    reply.status(201).send(await audit.createCheckpoint(principalOf(request).actor)),
  );

  app.get('/api/admin/actors', { onRequest: allow('actors.manage') }, async (request) =>
    auth.listActors(principalOf(request)),
  );

  app.post<{ Body: { name: string; role: Role; ttl?: string; expiresAt?: string } }>(
    '/api/admin/actors',
    {
      onRequest: allow('actors.manage'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: {
            name: { type: 'string', maxLength: 64 },
            role: { type: 'string', enum: [...ROLES] },
            ...expiryProperties,
          },
        },
      },
    },
    async (request, reply) => {
      const { name, role, ttl, expiresAt } = request.body;
      const issued = await auth.addActor(principalOf(request), {
        name,
        role,
        expiresAt: resolveExpiry({ ttl, expiresAt }, new Date(), HTTP_EXPIRY_FIELDS),
      });
      return reply.status(201).send(issued);
    },
  );

  app.post<{ Params: { name: string }; Body: { ttl?: string; expiresAt?: string } | undefined }>(
    '/api/admin/actors/:name/tokens',
    {
      onRequest: allow('actors.manage'),
      schema: {
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 64 } },
        },
        body: { type: 'object', additionalProperties: false, properties: expiryProperties },
      },
      // The body is optional: no body means a token without expiry.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const issued = await auth.issueToken(principalOf(request), request.params.name, {
        expiresAt: resolveExpiry(request.body ?? {}, new Date(), HTTP_EXPIRY_FIELDS),
      });
      return reply.status(201).send(issued);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/admin/actors/:name',
    {
      onRequest: allow('actors.manage'),
      schema: {
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request) => auth.revokeActor(principalOf(request), request.params.name),
  );

  app.delete<{ Params: { tokenId: string } }>(
    '/api/admin/tokens/:tokenId',
    {
      onRequest: allow('actors.manage'),
      schema: {
        params: {
          type: 'object',
          required: ['tokenId'],
          properties: { tokenId: { type: 'string', pattern: '^[0-9a-f]{12}$' } },
        },
      },
    },
    async (request) => auth.revokeToken(principalOf(request), request.params.tokenId),
  );
}
