import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, type EvaluationContext, OpenFeature } from '@openfeature/server-sdk';
import { type TestDatabase, testDatabaseTargets } from '../../store/testing/test-databases.js';
import { type SeededActors, seedActors } from '../testing/control-plane.js';
import { type OfrepServer, startOfrepServer } from './testing/ofrep-server.js';

/** An OpenFeature client whose provider is the real OFREP provider pointed at `baseUrl`. */
async function ofrepClient(domain: string, baseUrl: string, token: string): Promise<Client> {
  await OpenFeature.setProviderAndWait(
    domain,
    new OFREPProvider({ baseUrl, headers: { Authorization: `Bearer ${token}` } }),
  );
  return OpenFeature.getClient(domain);
}

/** What the OpenFeature client resolved, in the fields the routing table decides. */
async function askAwfBundle(client: Client, context: EvaluationContext) {
  const details = await client.getBooleanDetails('awf-bundle', false, context);
  assert.equal(details.errorCode, undefined, details.errorMessage);
  return {
    value: details.value,
    variant: details.variant,
    reason: details.reason,
    routeReason: details.flagMetadata.routeReason,
  };
}

for (const target of testDatabaseTargets()) {
  describe(`POST /ofrep/v1/evaluate/flags/awf-bundle through the OpenFeature OFREP provider (${target.name})`, () => {
    let database: TestDatabase;
    let server: OfrepServer;
    let actors: SeededActors;
    let client: Client;

    before(async () => {
      database = await target.open();
      server = await startOfrepServer(database);
      actors = await seedActors(server.services.auth);
      client = await ofrepClient(`routing-${target.name}`, server.baseUrl, actors.tokens.evaluator);
    });
    after(async () => {
      await OpenFeature.clearProviders();
      await server?.close();
      await database?.close();
    });

    /** Applies a change the way an operator does, and lets this instance's snapshot see it. */
    const change = async (work: (services: OfrepServer['services']) => Promise<unknown>) => {
      await work(server.services);
      await server.services.rolloutState.refresh();
    };

    /** The pipeline a real turn of a new session takes. */
    const turnPipeline = async (sessionId: string, userId?: string) => {
      await server.services.turns.startSession({ sessionId, ...(userId ? { userId } : {}), seed: 7 });
      return (await server.services.turns.playTurn(sessionId, 'I look around.')).pipeline;
    };

    it('when the global flag is off, answers legacy: false, variant legacy, reason DISABLED', async () => {
      assert.deepEqual(await askAwfBundle(client, { targetingKey: 'user-123' }), {
        value: false,
        variant: 'legacy',
        reason: 'DISABLED',
        routeReason: 'global_disabled',
      });
      assert.equal(await turnPipeline('session-off', 'user-123'), 'legacy');
    });

    it('when the flag is on, splits players by bucket: reason SPLIT, as the turn path routes them', async () => {
      await change((services) =>
        services.rollout.setRollout(actors.principals.operator, { globalEnabled: true, percent: 26.06 }),
      );
      // session-456 is bucket 2605 (AWF at 26.06 %), user-123 bucket 4460 (legacy).
      const anonymous = await askAwfBundle(client, { targetingKey: 'session-456', sessionId: 'session-456' });
      assert.deepEqual(anonymous, {
        value: true,
        variant: 'awf',
        reason: 'SPLIT',
        routeReason: 'percent_bucket',
      });
      assert.equal(await turnPipeline('session-456'), 'awf');
      const user = await askAwfBundle(client, { targetingKey: 'user-123', sessionId: 'session-789' });
      assert.deepEqual(user, {
        value: false,
        variant: 'legacy',
        reason: 'SPLIT',
        routeReason: 'percent_bucket',
      });
      assert.equal(await turnPipeline('session-789', 'user-123'), 'legacy');
    });

    it('a user override targets that user: reason TARGETING_MATCH', async () => {
      await change((services) =>
        services.rollout.setOverride(actors.principals.operator, {
          kind: 'user',
          subjectId: 'user-123',
          pipeline: 'awf',
        }),
      );
      assert.deepEqual(await askAwfBundle(client, { targetingKey: 'user-123' }), {
        value: true,
        variant: 'awf',
        reason: 'TARGETING_MATCH',
        routeReason: 'user_override',
      });
      assert.equal(await turnPipeline('session-user-override', 'user-123'), 'awf');
    });

    it("a session override wins over the user's: reason TARGETING_MATCH", async () => {
      await change((services) =>
        services.rollout.setOverride(actors.principals.operator, {
          kind: 'session',
          subjectId: 'session-qa',
          pipeline: 'legacy',
        }),
      );
      assert.deepEqual(await askAwfBundle(client, { targetingKey: 'user-123', sessionId: 'session-qa' }), {
        value: false,
        variant: 'legacy',
        reason: 'TARGETING_MATCH',
        routeReason: 'session_override',
      });
      assert.equal(await turnPipeline('session-qa', 'user-123'), 'legacy');
    });

    for (const [variable, routeReason] of [
      ['EMERGENCY_FALLBACK', 'emergency_fallback'],
      ['LEGACY_TURN_ENABLED', 'legacy_forced'],
    ] as const) {
      it(`an instance with ${variable}=true answers legacy above every override: reason STATIC`, async () => {
        const switched = await startOfrepServer(database, { [variable]: 'true' });
        try {
          const switchedClient = await ofrepClient(
            `routing-${target.name}-${variable}`,
            switched.baseUrl,
            actors.tokens.evaluator,
          );
          assert.deepEqual(await askAwfBundle(switchedClient, { targetingKey: 'user-123' }), {
            value: false,
            variant: 'legacy',
            reason: 'STATIC',
            routeReason,
          });
          assert.equal(
            switched.services.router.decide({ sessionId: 'user-123', userId: 'user-123' }).reason,
            routeReason,
          );
          // The instance without the switch still follows the user override.
          assert.equal((await askAwfBundle(client, { targetingKey: 'user-123' })).value, true);
        } finally {
          await switched.close();
        }
      });
    }
  });
}
