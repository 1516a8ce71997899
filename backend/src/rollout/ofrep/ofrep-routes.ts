import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf, requirePermission } from '../../auth/auth-http.js';
import type { AuthService } from '../../auth/auth-service.js';
import { AppError } from '../../shared/errors.js';
import { parseSince } from '../../shared/time-input.js';
import type { Ofrep } from './create-ofrep.js';
import { OfrepEvaluationError, OfrepParseError, OfrepRateLimitedError } from './ofrep-errors.js';

export interface OfrepRoutesOptions {
  auth: AuthService;
  ofrep: Ofrep;
}

/** `{"context": {...}}`: anything else that is an object is allowed and ignored, as OFREP allows. */
function contextOf(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body))
    throw new OfrepParseError('the body must be a JSON object');
  return (body as { context?: unknown }).context;
}

/** A strong ETag over the exact body: equal answers give equal tags, whatever changed in between. */
function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** If-None-Match (RFC 9110 §13.1.2): `*`, or a list of tags compared weakly. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP) over the turn path's own decision: single
 * (`POST /ofrep/v1/evaluate/flags/:key`) and bulk (`POST /ofrep/v1/evaluate/flags`, with ETag / 304)
 * evaluation for a token holding `flags.evaluate` (Bearer or X-API-Key), rate limited per token.
 * Failures of an evaluation answer with OFREP's body (`{key, errorCode, errorDetails}`), since OFREP
 * clients parse it; authentication and rate-limit failures keep our `{error: {code, message}}`.
 * Also `GET /api/admin/rollout/evaluations`: the per-minute evaluation counts (`rollout.read`).
 */
export async function ofrepRoutes(app: FastifyInstance, opts: OfrepRoutesOptions): Promise<void> {
  const { auth, ofrep } = opts;

  app.get<{ Querystring: { since?: string } }>(
    '/api/admin/rollout/evaluations',
    {
      onRequest: requirePermission(auth, 'rollout.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: { type: 'string', maxLength: 40 } },
        },
      },
    },
    async (request) => ofrep.counter.read(parseSince(request.query.since ?? '24h', new Date(), 'since')),
  );

  await app.register(async (protocol) => {
    protocol.setErrorHandler((error: FastifyError | Error, request, reply) =>
      sendOfrepError(error, request, reply),
    );
    const limitPerToken = async (request: FastifyRequest): Promise<void> => {
      const principal = principalOf(request);
      const taken = ofrep.rateLimit.take(principal.tokenId ?? principal.actor);
      if (!taken.allowed) throw new OfrepRateLimitedError(taken.retryAfterSec, ofrep.rateLimit.perSecond);
    };
    const onRequest = [requirePermission(auth, 'flags.evaluate', { acceptApiKey: true }), limitPerToken];

    protocol.post<{ Params: { key: string } }>(
      '/ofrep/v1/evaluate/flags/:key',
      { onRequest },
      async (request) => ofrep.evaluator.evaluate(request.params.key, contextOf(request.body)),
    );

    protocol.post('/ofrep/v1/evaluate/flags', { onRequest }, async (request, reply) => {
      const body = JSON.stringify({ flags: ofrep.evaluator.evaluateAll(contextOf(request.body)) });
      const etag = etagOf(body);
      reply.header('etag', etag);
      if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();
      return reply.type('application/json; charset=utf-8').send(body);
    });
  });
}

function sendOfrepError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  if (error instanceof OfrepEvaluationError)
    return reply.status(error.statusCode).send(error.toOfrepBody(key));
  if (error instanceof OfrepRateLimitedError) {
    return reply.status(429).header('retry-after', String(error.retryAfterSec)).send(error.toJSON());
  }
  // Authentication and authorization (401/403): the client only looks at the status.
  if (error instanceof AppError) return reply.status(error.statusCode).send(error.toJSON());
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors: malformed JSON, wrong content type, too large.
    const parse = new OfrepParseError(error.message);
    return reply.status(status).send(parse.toOfrepBody(key));
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send({ errorDetails: 'internal error; see the server log' });
}
