import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
// The provider as another Node service imports it: by the package's exported name.
import { openAwfRolloutProvider } from 'awf-rollout/openfeature-provider';
import { type TestDatabase, testDatabaseTargets } from '../../store/testing/test-databases.js';
import { bucketOf } from '../route-decision.js';
import { type SeededActors, seedActors } from '../testing/control-plane.js';
import { type OfrepServer, startOfrepServer, storeEnv } from './testing/ofrep-server.js';

const PLAYERS = Array.from({ length: 10_000 }, (_, i) => ({
  userId: `player-${i}`,
  sessionId: `session-${i}`,
}));
type Player = (typeof PLAYERS)[number];

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

for (const target of testDatabaseTargets()) {
  describe(`OFREP, the in-process provider and the turn path (${target.name})`, () => {
    let database: TestDatabase;
    let server: OfrepServer;
    let actors: SeededActors;
    let ofrep: Client;
    let inProcess: Client;

    before(async () => {
      database = await target.open();
      // The server keeps its snapshot fresh itself (polling, LISTEN on PostgreSQL), as in production.
      server = await startOfrepServer(database, { AWF_OFREP_RATE_LIMIT: '1000000' }, { watchRollout: true });
      actors = await seedActors(server.services.auth);
      await server.services.rollout.setRollout(actors.principals.operator, {
        globalEnabled: true,
        percent: 37.21,
      });
      await server.services.rolloutState.refresh();
      await OpenFeature.setProviderAndWait(
        `ofrep-${target.name}`,
        new OFREPProvider({ baseUrl: server.baseUrl, headers: { 'X-API-Key': actors.tokens.evaluator } }),
      );
      // Another Node service sharing the store: its own connection and snapshot, no network call.
      await OpenFeature.setProviderAndWait(
        `in-process-${target.name}`,
        await openAwfRolloutProvider({ ...storeEnv(database), AWF_INSTANCE_ID: 'in-process-test' }),
      );
      ofrep = OpenFeature.getClient(`ofrep-${target.name}`);
      inProcess = OpenFeature.getClient(`in-process-${target.name}`);
    });
    after(async () => {
      await OpenFeature.clearProviders();
      await server?.close();
      await database?.close();
    });

    /** Each player the three answers disagree on (awf: true), at most 10 named. */
    const disagreements = async (players: readonly Player[]) => {
      const found: string[] = [];
      let awf = 0;
      await eachLimited(players, 8, async (player) => {
        const context = { targetingKey: player.userId, sessionId: player.sessionId };
        const turnPath = server.services.router.decide(player).pipeline === 'awf';
        const [viaOfrep, viaProvider] = await Promise.all([
          ofrep.getBooleanValue('awf-bundle', !turnPath, context),
          inProcess.getBooleanValue('awf-bundle', !turnPath, context),
        ]);
        if (turnPath) awf += 1;
        if (viaOfrep !== turnPath || viaProvider !== turnPath) {
          found.push(`${player.userId}: turn path ${turnPath}, OFREP ${viaOfrep}, in-process ${viaProvider}`);
        }
      });
      return { found: found.slice(0, 10), count: found.length, awf };
    };

    it('at 37.21 %, agree on every one of 10 000 players', async () => {
      const result = await disagreements(PLAYERS);
      assert.deepEqual(result.found, []);
      assert.equal(result.count, 0);
      // The bucket split, not a constant answer: about 37.21 % of these players are on AWF.
      assert.equal(result.awf, PLAYERS.filter((player) => bucketOf(player.userId) < 3721).length);
      assert.ok(result.awf > 3500 && result.awf < 3950, `${result.awf} players on AWF`);
    });

    it('after a percent change, both providers agree with the turn path again within a second', async () => {
      let changes = 0;
      inProcess.addHandler(ProviderEvents.ConfigurationChanged, () => {
        changes += 1;
      });
      // Players the change moves to AWF, and some it leaves alone.
      const movers = PLAYERS.filter((player) => {
        const bucket = bucketOf(player.userId);
        return bucket >= 3721 && bucket < 6000;
      }).slice(0, 40);
      const stayers = PLAYERS.slice(0, 100);

      await server.services.rollout.setPercent(actors.principals.operator, 60);
      const changedAt = Date.now();
      let agreedAfterMs: number | undefined;
      while (Date.now() - changedAt <= 1000) {
        const answers = await Promise.all(
          movers.flatMap((player) => {
            const context = { targetingKey: player.userId, sessionId: player.sessionId };
            return [
              ofrep.getBooleanValue('awf-bundle', false, context),
              inProcess.getBooleanValue('awf-bundle', false, context),
            ];
          }),
        );
        if (answers.every((value) => value)) {
          agreedAfterMs = Date.now() - changedAt;
          break;
        }
        await sleep(50);
      }
      assert.ok(
        agreedAfterMs !== undefined,
        'OFREP and the in-process provider still answered 37.21 % after 1 s',
      );
      assert.deepEqual((await disagreements([...movers, ...stayers])).found, []);
      assert.ok(changes >= 1, 'the in-process provider emitted PROVIDER_CONFIGURATION_CHANGED');
    });
  });
}
