import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../app/create-services.js';
import { parseConfig } from '../config/config.js';
import type { TurnResult } from '../game/game-types.js';
import { buildApp } from '../server/build-app.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';

/** Every turn routed to AWF; the local model fails half the AWF calls (seeded), so some turns fall back. */
const ENV = {
  AWF_BUNDLE_ON: 'true',
  AWF_PERCENT_ROLLOUT: '100',
  AWF_LOCAL_ERROR_RATE: '0.5',
  SLO_MIN_SAMPLE: '1',
  LOG_LEVEL: 'silent',
};

/** The whole process wired on `database`, as a server instance would be. */
async function servicesOn(database: TestDatabase, env: Record<string, string> = {}): Promise<Services> {
  const store = database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath ?? '' };
  return createServices(parseConfig({ ...store, ...ENV, ...env }), { sloTimers: false, watchRollout: false });
}

for (const target of testDatabaseTargets()) {
  describe(`POST /api/sessions/:sessionId/turns/:turnNo/feedback (${target.name})`, () => {
    let database: TestDatabase;
    let services: Services;
    let app: FastifyInstance;
    const sessionId = `feedback-${target.name}`;
    let awfTurn: number;
    let fallbackTurn: TurnResult & { turnNo: number };

    before(async () => {
      database = await target.open();
      services = await servicesOn(database);
      app = await buildApp({ services });
      await services.turns.startSession({ sessionId, seed: 1 });
      const turns: Array<TurnResult & { turnNo: number }> = [];
      for (let turnNo = 1; turnNo <= 8; turnNo++) {
        turns.push({ ...(await services.turns.playTurn(sessionId, '1')), turnNo });
      }
      const answeredByAwf = turns.find((turn) => turn.pipeline === 'awf');
      const fellBack = turns.find((turn) => turn.fallback);
      assert.ok(answeredByAwf && fellBack, 'the seeded faults give both an AWF answer and a fallback');
      awfTurn = answeredByAwf.turnNo;
      fallbackTurn = fellBack;
    });
    after(async () => {
      await app?.close();
      await services?.close();
      await database?.close();
    });

    const rate = (turnNo: number | string, payload: unknown, session = sessionId) =>
      app.inject({
        method: 'POST',
        url: `/api/sessions/${session}/turns/${turnNo}/feedback`,
        payload: JSON.stringify(payload),
        headers: { 'content-type': 'application/json' },
      });
    const feedbackIn = async () => (await services.slos.status('1h')).feedback;

    it('answers 201 with the stored feedback, attributed to the pipeline that answered', async () => {
      const response = await rate(awfTurn, {
        rating: 'down',
        reason: 'wrong_state',
        comment: 'forgot the lantern',
      });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      assert.deepEqual(
        { ...body, createdAt: undefined, updatedAt: undefined },
        {
          sessionId,
          turnNo: awfTurn,
          userId: sessionId,
          pipeline: 'awf',
          routeReason: 'percent_bucket',
          fallback: false,
          rating: 'down',
          reason: 'wrong_state',
          comment: 'forgot the lantern',
          replaced: false,
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      const feedback = await feedbackIn();
      assert.deepEqual([feedback.awf.down, feedback.awf.up], [1, 0]);
      assert.deepEqual(feedback.awf.downReasons, { wrong_state: 1 });
    });

    it('attributes a turn that fell back to legacy, from the turn record (the answering pipeline)', async () => {
      const response = await rate(fallbackTurn.turnNo, { rating: 'down', reason: 'incoherent' });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      assert.equal(body.pipeline, 'legacy');
      assert.equal(body.fallback, true);
      assert.equal(body.fallbackReason, fallbackTurn.fallbackReason);
      assert.equal(body.routeReason, 'percent_bucket');
      const feedback = await feedbackIn();
      assert.deepEqual([feedback.legacy.down, feedback.awf.down], [1, 1]);
      assert.deepEqual(feedback.legacy.downReasons, { incoherent: 1 });
    });

    it('replaces an earlier rating of the same turn (200) and counts the turn once, as its new rating', async () => {
      const response = await rate(awfTurn, { rating: 'up' });
      assert.equal(response.statusCode, 200);
      const body = response.json();
      assert.equal(body.rating, 'up');
      assert.equal(body.replaced, true);
      assert.equal(body.reason, undefined);
      assert.equal(body.comment, undefined);
      const feedback = await feedbackIn();
      assert.deepEqual([feedback.awf.ratings, feedback.awf.up, feedback.awf.down], [1, 1, 0]);
      assert.deepEqual(feedback.awf.downReasons, {});
      const metrics = (await services.metrics.scrape()).body;
      assert.match(metrics, /^awf_feedback_total\{pipeline="awf",rating="up",reason="none"\} 1$/m);
      assert.match(metrics, /^awf_feedback_total\{pipeline="awf",rating="down",reason="wrong_state"\} 1$/m);
      assert.match(
        metrics,
        /^awf_feedback_replaced_total\{pipeline="awf",rating="down",reason="wrong_state"\} 1$/m,
      );
      assert.match(metrics, /^awf_feedback_total\{pipeline="legacy",rating="down",reason="incoherent"\} 1$/m);
    });

    it('answers 404 TURN_NOT_FOUND for a turn the session has not played, and 404 SESSION_NOT_FOUND for no session', async () => {
      const noTurn = await rate(99, { rating: 'up' });
      assert.equal(noTurn.statusCode, 404);
      assert.equal(noTurn.json().error.code, 'TURN_NOT_FOUND');
      const noSession = await rate(1, { rating: 'up' }, 'no-such-session');
      assert.equal(noSession.statusCode, 404);
      assert.equal(noSession.json().error.code, 'SESSION_NOT_FOUND');
    });

    it('answers 400 INVALID_INPUT for NUL, a comment over 500 characters, unknown fields or values, and changes nothing', async () => {
      const before = await feedbackIn();
      const cases: Array<[number | string, unknown]> = [
        [awfTurn, { rating: 'down', comment: 'nul \u0000 here' }],
        [awfTurn, { rating: 'down', comment: 'x'.repeat(501) }],
        [awfTurn, { rating: 'down', pipeline: 'legacy' }],
        [awfTurn, { rating: 'meh' }],
        [awfTurn, { rating: 'down', reason: 'boring' }],
        [awfTurn, { rating: 'up', reason: 'slow' }],
        [awfTurn, {}],
        [0, { rating: 'up' }],
        ['two', { rating: 'up' }],
      ];
      for (const [turnNo, payload] of cases) {
        const response = await rate(turnNo, payload);
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(response.json().error.code, 'INVALID_INPUT', JSON.stringify(payload));
      }
      assert.equal((await rate(awfTurn, { rating: 'up', comment: 'é'.repeat(500) })).statusCode, 200);
      assert.deepEqual((await feedbackIn()).awf, before.awf);
    });

    it('answers 429 FEEDBACK_RATE_LIMITED past AWF_FEEDBACK_RATE_LIMIT ratings of one session per minute', async () => {
      const limited = await servicesOn(database, { AWF_FEEDBACK_RATE_LIMIT: '2' });
      const limitedApp = await buildApp({ services: limited });
      try {
        const send = (session: string) =>
          limitedApp.inject({
            method: 'POST',
            url: `/api/sessions/${session}/turns/${awfTurn}/feedback`,
            payload: { rating: 'up' },
          });
        assert.equal((await send(sessionId)).statusCode, 200);
        assert.equal((await send(sessionId)).statusCode, 200);
        const refused = await send(sessionId);
        assert.equal(refused.statusCode, 429);
        assert.equal(refused.json().error.code, 'FEEDBACK_RATE_LIMITED');
        assert.ok(refused.json().error.details.retryAfterSec >= 1);
        // Another session has its own allowance.
        assert.equal((await send('no-such-session')).statusCode, 404);
      } finally {
        await limitedApp.close();
        await limited.close();
      }
    });

    it('prunes rated rows on the retention schedule while the aggregates keep the counts', async () => {
      const beforeCounts = await feedbackIn();
      const deleted = await services.feedback.prune(Math.floor(Date.now() / 60_000) + 1);
      assert.equal(deleted, 2);
      assert.deepEqual(
        await services.feedback.listRecent({ since: new Date(0).toISOString(), limit: 10 }),
        [],
      );
      assert.deepEqual(await feedbackIn(), beforeCounts);
    });
  });
}
