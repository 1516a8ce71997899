import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../../app/create-services.js';
import { parseConfig } from '../../config/config.js';
import { type FakeChatServer, startFakeChatServer } from '../../model/testing/fake-chat-server.js';
import { buildApp } from '../../server/build-app.js';
import { type TestDatabase, testDatabaseTargets } from '../../store/testing/test-databases.js';

const GARBAGE = 'lol I am a model 🤖 {{{ not json';
const UPSTREAM_SECRET = 'quota exceeded for org-7f3a internal-shard-12';
const LEGACY_ANSWER = [
  'You part the ferns and step into the moonlight.',
  '',
  'Location: The Moonlit Glade',
  'Choices:',
  '1. Speak to the watcher',
  '2. Go back to the forest edge',
].join('\n');
const INPUT = 'I step into the glade and look toward the eyes.';

interface Player {
  app: FastifyInstance;
  services: Services;
  logLines: string[];
}

for (const target of testDatabaseTargets()) {
  describe(`a turn when the legacy model is its own provider (${target.name})`, () => {
    let database: TestDatabase;
    let awfModel: FakeChatServer;
    let legacyModel: FakeChatServer;
    let awfPlayer: Player;
    let legacyPlayer: Player;

    /** A server wired from the environment, both models as openai against the fake endpoints. */
    const startPlayer = async (routing: Record<string, string>): Promise<Player> => {
      const store = database.url
        ? { DATABASE_URL: database.url }
        : { AWF_DB_PATH: database.sqlitePath ?? '' };
      const config = parseConfig({
        ...store,
        ...routing,
        AWF_MODEL_PROVIDER: 'openai',
        AWF_MODEL_BASE_URL: awfModel.baseUrl,
        AWF_MODEL_NAME: 'awf-model',
        AWF_LEGACY_MODEL_PROVIDER: 'openai',
        AWF_LEGACY_MODEL_BASE_URL: legacyModel.baseUrl,
        AWF_LEGACY_MODEL_NAME: 'legacy-model',
        AWF_LEGACY_MODEL_TIMEOUT_MS: '300',
      });
      const services = await createServices(config, { sloTimers: false, watchRollout: false });
      const logLines: string[] = [];
      const app = await buildApp({
        services,
        logger: { level: 'warn', stream: { write: (line) => void logLines.push(line) } },
      });
      return { app, services, logLines };
    };

    before(async () => {
      database = await target.open();
      awfModel = await startFakeChatServer();
      legacyModel = await startFakeChatServer(() => ({ content: LEGACY_ANSWER }));
      awfPlayer = await startPlayer({ AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' });
      legacyPlayer = await startPlayer({ LEGACY_TURN_ENABLED: 'true' });
    });
    after(async () => {
      for (const player of [awfPlayer, legacyPlayer]) {
        await player?.app.close();
        await player?.services.close();
      }
      await awfModel?.close();
      await legacyModel?.close();
      await database?.close();
    });

    const playOneTurn = async (player: Player) => {
      const opening = await player.app.inject({ method: 'POST', url: '/api/sessions', payload: { seed: 7 } });
      const { sessionId } = opening.json();
      const turn = await player.app.inject({
        method: 'POST',
        url: `/api/sessions/${sessionId}/turns`,
        payload: { input: INPUT },
      });
      const session = await player.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}` });
      return { turn, turnCount: session.json().turnCount as number };
    };

    const legacyFailures = async (player: Player, pipeline: string, reason: string): Promise<number> => {
      const { body } = await player.app.inject({ method: 'GET', url: '/metrics' });
      const series = `awf_legacy_failures_total{pipeline="${pipeline}",reason="${reason}"} `;
      const line = body.split('\n').find((candidate) => candidate.startsWith(series));
      return line === undefined ? Number.NaN : Number(line.slice(series.length));
    };

    const assertFixedFailure = (
      turn: { statusCode: number; body: string; json(): unknown },
      reason: string,
    ): void => {
      assert.equal(turn.statusCode, 503);
      assert.deepEqual(turn.json(), {
        error: {
          code: 'LEGACY_UNAVAILABLE',
          message: 'the story cannot continue right now; try again',
          details: { reason },
        },
      });
    };

    it('when the AWF provider fails and the legacy provider answers: the player gets the legacy answer', async () => {
      awfModel.setHandler(() => ({ status: 500 }));
      legacyModel.setHandler(() => ({ content: LEGACY_ANSWER }));
      const asked = legacyModel.requests.length;
      const { turn, turnCount } = await playOneTurn(awfPlayer);
      assert.equal(turn.statusCode, 200);
      const result = turn.json();
      assert.equal(result.pipeline, 'legacy');
      assert.equal(result.fallback, true);
      assert.equal(result.fallbackReason, 'provider_error');
      assert.equal(result.txt, 'You part the ferns and step into the moonlight.');
      assert.equal(result.scene, 'moonlit-glade');
      assert.equal(turnCount, 1);
      assert.equal(legacyModel.requests.length, asked + 1);
      assert.equal(legacyModel.requests.at(-1)?.model, 'legacy-model');
    });

    it('when the legacy model answers something unparseable: 503 with a fixed message, never the answer as narration', async () => {
      legacyModel.setHandler(() => ({ content: GARBAGE }));
      const before = await legacyFailures(legacyPlayer, 'legacy', 'unparseable_answer');
      const { turn, turnCount } = await playOneTurn(legacyPlayer);
      assertFixedFailure(turn, 'unparseable_answer');
      assert.doesNotMatch(turn.body, /lol|model 🤖/);
      assert.equal(turnCount, 0);
      assert.equal(await legacyFailures(legacyPlayer, 'legacy', 'unparseable_answer'), before + 1);
    });

    it('when AWF fails and its legacy fallback answers something unparseable: a failed turn, not narration', async () => {
      awfModel.setHandler(() => ({ status: 500 }));
      legacyModel.setHandler(() => ({ content: GARBAGE }));
      const before = await legacyFailures(awfPlayer, 'awf', 'unparseable_answer');
      const { turn, turnCount } = await playOneTurn(awfPlayer);
      assertFixedFailure(turn, 'unparseable_answer');
      assert.equal(turnCount, 0);
      assert.equal(await legacyFailures(awfPlayer, 'awf', 'unparseable_answer'), before + 1);
    });

    it('when the legacy model answers 500: 503 without the upstream text, which goes to the server log', async () => {
      legacyModel.setHandler(() => ({
        status: 500,
        body: { error: { message: UPSTREAM_SECRET, type: 'server_error' } },
      }));
      const before = await legacyFailures(legacyPlayer, 'legacy', 'provider_error');
      const { turn, turnCount } = await playOneTurn(legacyPlayer);
      assertFixedFailure(turn, 'provider_error');
      assert.doesNotMatch(turn.body, /quota|org-7f3a|HTTP 500/);
      assert.equal(turnCount, 0);
      assert.equal(await legacyFailures(legacyPlayer, 'legacy', 'provider_error'), before + 1);
      const logged = legacyPlayer.logLines.map((line) => JSON.parse(line));
      assert.ok(
        logged.some(
          (entry) =>
            entry.level === 40 &&
            entry.code === 'LEGACY_UNAVAILABLE' &&
            entry.cause?.includes(UPSTREAM_SECRET),
        ),
        'a warn line carries the upstream message',
      );
    });

    it('when the legacy model does not answer in time: 503 with reason timeout', async () => {
      legacyModel.setHandler(() => ({ content: LEGACY_ANSWER, delayMs: 2000 }));
      const before = await legacyFailures(legacyPlayer, 'legacy', 'timeout');
      const { turn, turnCount } = await playOneTurn(legacyPlayer);
      assertFixedFailure(turn, 'timeout');
      assert.equal(turnCount, 0);
      assert.equal(await legacyFailures(legacyPlayer, 'legacy', 'timeout'), before + 1);
    });
  });
}
