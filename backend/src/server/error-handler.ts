import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorBody, type ErrorCode } from '../shared/errors.js';

/** What a client gets for an error: a status, one of our documented codes and one line saying what was wrong. */
interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** The media type a request declared, without parameters and cut short: it is echoed into the message. */
function declaredMediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  if (header === undefined || header.trim() === '') return 'no content-type';
  const mediaType = header.split(';')[0]?.trim() || header.trim();
  return mediaType.length > 100 ? `${mediaType.slice(0, 100)}…` : mediaType;
}

/** One line, whatever the framework's message looked like. */
function oneLine(message: string): string {
  return message.split('\n')[0]?.trim() || 'the request was rejected';
}

/**
 * Fastify's own client errors (content type, JSON body, size, URL) translated to our codes and a
 * message naming what was wrong; a Fastify code never reaches a client. Anything else 4xx keeps its
 * status as INVALID_INPUT.
 */
function frameworkClientError(error: FastifyError, status: number, request: FastifyRequest): ErrorAnswer {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `content-type must be application/json, got ${declaredMediaType(request)}`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        code: 'INVALID_JSON',
        message: 'the body is empty but content-type is application/json; send a JSON object',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'INVALID_JSON', message: 'the body is not valid JSON' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'BODY_TOO_LARGE',
        message: `the body is larger than the ${request.routeOptions.bodyLimit}-byte limit`,
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'INVALID_INPUT', message: 'the body size does not match content-length' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'INVALID_INPUT', message: `the URL ${request.url} does not decode` };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, code: 'INVALID_INPUT', message: 'a path parameter in the URL is too long' };
    default:
      return { status, code: 'INVALID_INPUT', message: oneLine(error.message) };
  }
}

/** Every error as status + documented code + one line; undefined when it is ours to fix (a 500). */
function clientAnswerOf(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
): ErrorAnswer | undefined {
  if (error instanceof AppError) return undefined;
  const fastifyError = error as FastifyError;
  // Backstop for text PostgreSQL cannot store (NUL, invalid escapes): the client's input, not our fault.
  if (fastifyError.code === '22021' || fastifyError.code === '22P05') {
    return {
      status: 400,
      code: 'INVALID_INPUT',
      message: 'the request contains characters the database cannot store',
    };
  }
  if (fastifyError.validation) {
    const message = `${fastifyError.validationContext ?? 'request'}${fastifyError.message.replace(/^(body|params|querystring)/, '')}`;
    return { status: 400, code: 'INVALID_INPUT', message: oneLine(message) };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return frameworkClientError(fastifyError, status, request);
  return undefined;
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.status(status).send(body);
}

function answer(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof AppError) {
    // What went wrong upstream (a model's error text) is for this log, never for the response body.
    if (error.statusCode >= 500) request.log.warn({ code: error.code, cause: causeOf(error) }, error.message);
    return reply.status(error.statusCode).send(error.toJSON());
  }
  const client = clientAnswerOf(error, request);
  if (client) return send(reply, client.status, { error: { code: client.code, message: client.message } });
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, 500, { error: { code: 'INTERNAL', message: 'internal error; see the server log' } });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL that does not decode, a
 * path parameter too long) would otherwise be answered by Fastify directly with its own code.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  answer(error, request, reply);
}

/**
 * One place turns errors into responses, and every body carries a code of ERROR_CODES: AppErrors keep
 * their status and code, Fastify's own client errors (schema, bad JSON, wrong content type, too large)
 * become our 4xx codes, an unknown route is ROUTE_NOT_FOUND, and anything else is a 500 INTERNAL that
 * is logged and says nothing internal.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) =>
    answer(error, request, reply),
  );
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` },
    }),
  );
}

function causeOf(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.message : undefined;
}
