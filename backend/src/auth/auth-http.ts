import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuthService, Principal } from './auth-service.js';
import type { Permission } from './roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requirePermission` once the Bearer token checked out. */
    principal: Principal | null;
  }
}

/** `Authorization: Bearer <token>` → the token, else undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** `X-API-Key: <token>` → the token, else undefined (OFREP's ApiKeyAuth scheme). */
export function apiKeyToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
}

/**
 * A route's onRequest hook: authenticates the Bearer token for `permission` before the body is even
 * parsed (so an anonymous caller learns nothing about validation), writing `auth.denied` on failure.
 * Other plugins (SLO, metrics) can use it the same way: `{ onRequest: requirePermission(auth, 'slo.read') }`.
 * `acceptApiKey`: an `X-API-Key` header is accepted too (the Bearer token wins when both are sent).
 */
export function requirePermission(
  auth: AuthService,
  permission: Permission,
  options: { acceptApiKey?: boolean } = {},
): onRequestHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    request.principal = await auth.authenticate({
      token: bearerToken(request) ?? (options.acceptApiKey ? apiKeyToken(request) : undefined),
      permission,
      via: 'http',
      source: request.ip,
    });
  };
}

/** The principal of a request that passed `requirePermission`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route has no requirePermission hook');
  return request.principal;
}

/**
 * Declares `request.principal` once on the root app (Fastify wants request decorations declared up
 * front, and the capability route plugins are encapsulated children that share it).
 */
export function declarePrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}
