import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * One place turns errors into responses: AppErrors keep their status and code, Fastify's own
 * client errors (schema, bad JSON, wrong content type, too large) become INVALID_INPUT-style 4xx,
 * and anything else is a 500 that is logged and says nothing internal.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      // What went wrong upstream (a model's error text) is for this log, never for the response body.
      if (error.statusCode >= 500)
        request.log.warn({ code: error.code, cause: causeOf(error) }, error.message);
      return reply.status(error.statusCode).send(error.toJSON());
    }
    const fastifyError = error as FastifyError;
    // Backstop for text PostgreSQL cannot store (NUL, invalid escapes): the client's input, not our fault.
    if (fastifyError.code === '22021' || fastifyError.code === '22P05') {
      return reply.status(400).send({
        error: {
          code: 'INVALID_INPUT',
          message: 'the request contains characters the database cannot store',
        },
      });
    }
    if (fastifyError.validation) {
      const message = `${fastifyError.validationContext ?? 'request'}${fastifyError.message.replace(/^(body|params|querystring)/, '')}`;
      return reply.status(400).send({ error: { code: 'INVALID_INPUT', message } });
    }
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: { code: fastifyError.code ?? 'INVALID_INPUT', message: fastifyError.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'INTERNAL', message: 'internal error; see the server log' } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` } });
  });
}

function causeOf(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.message : undefined;
}
