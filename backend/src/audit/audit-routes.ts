import type { FastifyInstance } from 'fastify';
import { principalOf, requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import { parseIsoInstant, parseSince } from '../shared/time-input.js';
import type { AuditLogger, AuditQuery } from './audit-logger.js';

export interface AuditRoutesOptions {
  auth: AuthService;
  audit: AuditLogger;
}

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

/** The query string's filters as an AuditQuery; `since` takes a duration (24h) or an instant. */
function auditFilter(query: AuditFilterQuery, now: Date): AuditQuery {
  return {
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.entity !== undefined ? { entity: query.entity } : {}),
    ...(query.since !== undefined ? { since: parseSince(query.since, now, 'since').toISOString() } : {}),
    ...(query.until !== undefined ? { until: parseIsoInstant(query.until, 'until').toISOString() } : {}),
  };
}

/** The audit log's admin API: query, NDJSON export, verify, checkpoints. */
export async function auditRoutes(app: FastifyInstance, opts: AuditRoutesOptions): Promise<void> {
  const { auth, audit } = opts;
  const allow = (permission: Parameters<typeof requirePermission>[1]) => requirePermission(auth, permission);

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
}
