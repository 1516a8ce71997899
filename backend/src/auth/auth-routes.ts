import type { FastifyInstance } from 'fastify';
import { EXPIRY_BODY_PROPERTIES } from '../shared/http-schemas.js';
import { HTTP_EXPIRY_FIELDS, resolveExpiry } from '../shared/time-input.js';
import { principalOf, requirePermission } from './auth-http.js';
import type { AuthService } from './auth-service.js';
import { can, PERMISSION_MATRIX, type Permission, ROLES, type Role } from './roles.js';

export interface AuthRoutesOptions {
  auth: AuthService;
}

const actorNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 64 } },
} as const;

/** Actors and tokens over HTTP (actors.manage): add, list, revoke, issue and revoke tokens. */
export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { auth } = opts;
  const allow = (permission: Parameters<typeof requirePermission>[1]) => requirePermission(auth, permission);

  // Who the presented token is (any role that reads the rollout: every role but evaluator), what it
  // may do and when it expires: the dashboard shows it and hides what the role may not do.
  app.get('/api/admin/whoami', { onRequest: allow('rollout.read') }, async (request) => {
    const principal = principalOf(request);
    const permissions = (Object.keys(PERMISSION_MATRIX) as Permission[]).filter((permission) =>
      can(principal.role, permission),
    );
    return {
      actor: principal.actor,
      role: principal.role,
      tokenId: principal.tokenId,
      tokenExpiresAt: principal.tokenExpiresAt ?? null,
      permissions,
    };
  });

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
            ...EXPIRY_BODY_PROPERTIES,
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
        params: actorNameParams,
        body: { type: 'object', additionalProperties: false, properties: EXPIRY_BODY_PROPERTIES },
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
    { onRequest: allow('actors.manage'), schema: { params: actorNameParams } },
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
