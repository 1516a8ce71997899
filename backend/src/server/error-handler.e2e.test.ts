import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { seedActors } from '../rollout/testing/control-plane.js';
import { ERROR_CODES, type ErrorCode, isErrorCode } from '../shared/errors.js';
import { buildApp } from './build-app.js';

/** Asserts the answer is `status` with our `code`: documented, never Fastify's, one line of message. */
function assertOurError(response: LightMyRequestResponse, status: number, code: ErrorCode): string {
  assert.equal(response.statusCode, status, response.body);
  const { error } = response.json();
  assert.equal(error.code, code);
  assert.ok(isErrorCode(error.code), `${error.code} is in ERROR_CODES`);
  assert.doesNotMatch(response.body, /FST_/);
  assert.equal(typeof error.message, 'string');
  assert.match(error.message, /^[^\n]+$/, 'the message is one non-empty line');
  return error.message;
}

describe('HTTP error answers', () => {
  let services: TestServices;
  let app: FastifyInstance;
  let adminToken: string;
  const logLines: string[] = [];

  before(async () => {
    services = await createTestServices({}, { watchRollout: false, sloTimers: false });
    // A pino stream in the logger options, so the test can read what the server logged.
    const logger = { level: 'error', stream: { write: (line: string) => logLines.push(line) } };
    app = await buildApp({ services, logger });
    // Registered before ready, at the root: they get the app's error handler like every route.
    app.get('/test/internal-error', async () => {
      throw new Error('connect ECONNREFUSED postgres://app:s3cret@db:5432');
    });
    app.get('/test/framework-client-error', async () => {
      throw Object.assign(new Error("I'm a teapot"), { statusCode: 418, code: 'FST_ERR_TEAPOT' });
    });
    adminToken = (await seedActors(services.auth)).tokens.admin;
  });
  after(async () => {
    await app.close();
    await services.dispose();
  });

  const postSession = (payload: string, contentType?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/sessions',
      payload,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    });

  describe('a body that is not application/json', () => {
    it('as a form (what `curl -d` sends) answers 415 UNSUPPORTED_MEDIA_TYPE naming the type sent', async () => {
      const response = await postSession('{}', 'application/x-www-form-urlencoded');
      const message = assertOurError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(message, 'content-type must be application/json, got application/x-www-form-urlencoded');
    });

    it('as text/plain answers 415 too, rather than failing the schema as a string', async () => {
      const response = await postSession('{"seed": 1}', 'text/plain; charset=utf-8');
      const message = assertOurError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(message, 'content-type must be application/json, got text/plain');
    });

    it('on an admin route answers 415 UNSUPPORTED_MEDIA_TYPE and changes nothing', async () => {
      const before = await services.rollout.status();
      const response = await app.inject({
        method: 'PUT',
        url: '/api/admin/rollout/percent',
        payload: 'percent=50',
        headers: {
          authorization: `Bearer ${adminToken}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      assertOurError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.deepEqual(await services.rollout.status(), before);
    });
  });

  describe('a body sent as application/json', () => {
    it('when it is malformed answers 400 INVALID_JSON', async () => {
      const response = await postSession('{"seed": 1', 'application/json');
      const message = assertOurError(response, 400, 'INVALID_JSON');
      assert.equal(message, 'the body is not valid JSON');
    });

    it('when it is empty answers 400 INVALID_JSON', async () => {
      const response = await postSession('', 'application/json');
      const message = assertOurError(response, 400, 'INVALID_JSON');
      assert.match(message, /body is empty/);
    });

    it('when it is over the 64 kB limit answers 413 BODY_TOO_LARGE naming the limit', async () => {
      const response = await postSession(
        JSON.stringify({ userId: 'x'.repeat(64 * 1024) }),
        'application/json',
      );
      const message = assertOurError(response, 413, 'BODY_TOO_LARGE');
      assert.match(message, /65536-byte limit/);
    });

    it('when it breaks the route schema answers 400 INVALID_INPUT naming the field', async () => {
      const response = await postSession(JSON.stringify({ seed: 'one' }), 'application/json');
      const message = assertOurError(response, 400, 'INVALID_INPUT');
      assert.match(message, /seed/);
    });
  });

  describe('a URL', () => {
    it('with no route answers 404 ROUTE_NOT_FOUND naming method and path', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/nothing' });
      const message = assertOurError(response, 404, 'ROUTE_NOT_FOUND');
      assert.equal(message, 'no route GET /api/nothing');
    });

    it('that does not decode answers 400 INVALID_INPUT, not Fastify’s own code', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/sessions/%E0%A4%A' });
      assertOurError(response, 400, 'INVALID_INPUT');
    });
  });

  describe('an error that is not ours', () => {
    it('answers 500 INTERNAL, says nothing internal and is logged server-side', async () => {
      const response = await app.inject({ method: 'GET', url: '/test/internal-error' });
      const message = assertOurError(response, 500, 'INTERNAL');
      assert.equal(message, 'internal error; see the server log');
      assert.doesNotMatch(response.body, /s3cret|ECONNREFUSED|stack/);
      assert.ok(
        logLines.some((line) => line.includes('unhandled error') && line.includes('ECONNREFUSED')),
        'the error and its cause are in the server log',
      );
    });

    it('with a 4xx status from the framework answers INVALID_INPUT keeping the status', async () => {
      const response = await app.inject({ method: 'GET', url: '/test/framework-client-error' });
      const message = assertOurError(response, 418, 'INVALID_INPUT');
      assert.equal(message, "I'm a teapot");
    });
  });

  it('every code these answers use is documented', () => {
    for (const code of [
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_JSON',
      'BODY_TOO_LARGE',
      'ROUTE_NOT_FOUND',
      'INTERNAL',
    ]) {
      assert.ok(code in ERROR_CODES, code);
    }
  });
});
