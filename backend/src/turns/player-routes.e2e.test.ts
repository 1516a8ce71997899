import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { buildApp } from '../server/build-app.js';

describe('player API', () => {
  let services: TestServices;
  let app: FastifyInstance;
  before(async () => {
    services = await createTestServices({ AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' });
    app = await buildApp({ services });
  });
  after(async () => {
    await app.close();
    await services.dispose();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url,
      payload: payload as string,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('GET /healthz answers 200', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
  });

  describe('a session played over HTTP', () => {
    let sessionId: string;

    it('POST /api/sessions → 201 with the opening', async () => {
      const response = await post('/api/sessions', { userId: 'user-123', seed: 424242 });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      assert.equal(body.userId, 'user-123');
      assert.equal(body.scene, 'forest-edge');
      assert.match(body.txt, /eyes/);
      assert.ok(body.choices.length >= 1 && body.choices.length <= 5);
      sessionId = body.sessionId;
    });

    it('POST /api/sessions/:id/turns → 200 with a TurnResult', async () => {
      const response = await post(`/api/sessions/${sessionId}/turns`, {
        input: 'I step into the glade and look toward the eyes.',
      });
      assert.equal(response.statusCode, 200);
      const turn = response.json();
      for (const field of [
        'turnId',
        'pipeline',
        'txt',
        'choices',
        'scene',
        'sceneChange',
        'acts',
        'latencyMs',
      ]) {
        assert.ok(field in turn, `TurnResult has ${field}`);
      }
      for (const field of ['retried', 'fallback', 'tokens', 'bundleBytes'])
        assert.ok(field in turn, `TurnResult has ${field}`);
      assert.equal(turn.sceneChange, true);
    });

    it('GET /api/sessions/:id → state and turn history', async () => {
      const response = await app.inject({ method: 'GET', url: `/api/sessions/${sessionId}` });
      assert.equal(response.statusCode, 200);
      const body = response.json();
      assert.equal(body.state.scene, 'moonlit-glade');
      assert.equal(body.turnCount, 1);
      assert.equal(body.turns.length, 1);
      assert.equal(body.turns[0].routeReason, 'percent_bucket');
    });

    it('POST /api/sessions with a taken sessionId → 409 SESSION_EXISTS', async () => {
      const response = await post('/api/sessions', { sessionId });
      assert.equal(response.statusCode, 409);
      assert.equal(response.json().error.code, 'SESSION_EXISTS');
    });

    it('accepts an empty body and makes up ids and a seed', async () => {
      const response = await app.inject({ method: 'POST', url: '/api/sessions' });
      assert.equal(response.statusCode, 201);
      assert.match(response.json().sessionId, /^[0-9a-f-]{36}$/);
    });
  });

  describe('bad input gets a 4xx naming the problem and changes nothing', () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['a seed of the wrong type', '/api/sessions', { seed: 'abc' }, 400, /seed must be integer/],
      ['a negative seed', '/api/sessions', { seed: -1 }, 400, /seed must be >= 0/],
      [
        'an unknown field',
        '/api/sessions',
        { userId: 'u', admin: true },
        400,
        /must NOT have additional properties/,
      ],
      ['a userId with spaces', '/api/sessions', { userId: 'a b' }, 400, /userId must match pattern/],
      ['a body that is not JSON', '/api/sessions', '{bad', 400, /not valid JSON/],
      ['a body that is an array', '/api/sessions', [], 400, /must be object/],
      [
        'a turn for an unknown session',
        '/api/sessions/nope/turns',
        { input: 'hi' },
        404,
        /no session with id nope/,
      ],
      ['a turn without input', '/api/sessions/nope/turns', {}, 400, /must have required property 'input'/],
      ['a turn with a numeric input', '/api/sessions/nope/turns', { input: 5 }, 400, /input must be string/],
      [
        'a turn with blank input',
        '/api/sessions/nope/turns',
        { input: '   ' },
        400,
        /input must match pattern/,
      ],
      [
        'a NUL character in the input',
        '/api/sessions/nope/turns',
        { input: 'a\u0000b' },
        400,
        /body\/input contains a NUL/,
      ],
      ['a NUL character in a key', '/api/sessions', { 'x\u0000': 1 }, 400, /contains a NUL/],
      ['a NUL character in the URL', '/api/sessions/a%00b/turns', { input: 'hi' }, 400, /URL contains a NUL/],
      [
        'a turn with huge input',
        '/api/sessions/nope/turns',
        { input: 'x'.repeat(2001) },
        400,
        /^input is 2001 characters long; at most 2000 are accepted$/,
      ],
    ];
    for (const [what, url, payload, status, message] of cases) {
      it(`${what} → ${status}`, async () => {
        const before = await services.database.db
          .selectFrom('sessions')
          .select(({ fn }) => fn.countAll().as('n'))
          .executeTakeFirst();
        const response = await post(url, typeof payload === 'string' ? payload : JSON.stringify(payload));
        assert.equal(response.statusCode, status);
        const { error } = response.json();
        assert.match(error.message, message);
        assert.equal(typeof error.code, 'string');
        const afterCount = await services.database.db
          .selectFrom('sessions')
          .select(({ fn }) => fn.countAll().as('n'))
          .executeTakeFirst();
        assert.deepEqual(afterCount, before);
      });
    }

    it('a bare number that is not on offer → 400 CHOICE_OUT_OF_RANGE naming the range, and no turn is played', async () => {
      const opening = (await post('/api/sessions', { seed: 424242 })).json();
      assert.equal(opening.choices.length, 3);
      const response = await post(`/api/sessions/${opening.sessionId}/turns`, { input: '7' });
      assert.equal(response.statusCode, 400, response.body);
      const { error } = response.json();
      assert.equal(error.code, 'CHOICE_OUT_OF_RANGE');
      assert.match(error.message, /1–3/);
      const session = (await app.inject({ method: 'GET', url: `/api/sessions/${opening.sessionId}` })).json();
      assert.equal(session.turnCount, 0);
      assert.equal(session.turns.length, 0);
      const zero = await post(`/api/sessions/${opening.sessionId}/turns`, { input: '0' });
      assert.equal(zero.json().error.code, 'CHOICE_OUT_OF_RANGE');
      const picked = await post(`/api/sessions/${opening.sessionId}/turns`, { input: '3' });
      assert.equal(picked.statusCode, 200, picked.body);
    });

    it('an input of exactly 2000 characters is played', async () => {
      const opening = (await post('/api/sessions', { seed: 424242 })).json();
      const response = await post(`/api/sessions/${opening.sessionId}/turns`, { input: 'x'.repeat(2000) });
      assert.equal(response.statusCode, 200, response.body);
    });

    it('a wrong content type → 415', async () => {
      const response = await post('/api/sessions', 'seed=1', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.equal(response.statusCode, 415);
    });

    it('an unknown route → 404 with a JSON error', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/nothing' });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error.code, 'ROUTE_NOT_FOUND');
    });
  });
});
