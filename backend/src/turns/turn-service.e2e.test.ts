import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import type { TurnResult } from '../game/game-types.js';
import { ModelProviderError } from '../shared/errors.js';
import type { FailedTurn } from './turn-service.js';

const KIERA_INPUT = 'I step into the glade and look toward the eyes.';
const AWF_FOR_ALL = { AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' };
const WALK = [
  'take the lantern',
  KIERA_INPUT,
  'talk to kiera',
  'look around',
  'climb into the oak',
  'take the rope',
];

const opened: TestServices[] = [];
async function servicesWith(env: Record<string, string>, sqlitePath?: string): Promise<TestServices> {
  const services = await createTestServices(env, sqlitePath ? { sqlitePath } : {});
  opened.push(services);
  return services;
}
after(async () => {
  for (const services of opened) await services.dispose();
});

/** A TurnResult without the one field that measures the machine rather than the game. */
const stable = ({ latencyMs: _latency, ...rest }: TurnResult) => rest;

async function play(services: TestServices, sessionId: string, inputs: readonly string[]) {
  const results: TurnResult[] = [];
  for (const input of inputs) results.push(await services.turns.playTurn(sessionId, input));
  return results.map(stable);
}

describe('turn service', () => {
  describe('.playTurn() — the seed scenario first-meet-kiera', () => {
    for (const [pipeline, env] of [
      ['awf', AWF_FOR_ALL],
      ['legacy', {}],
    ] as const) {
      it(`on ${pipeline}: names the glade and the eyes, offers at most 5 choices and changes scene`, async () => {
        const services = await servicesWith(env);
        const { sessionId } = await services.turns.startSession({ seed: 424242 });
        const result = await services.turns.playTurn(sessionId, KIERA_INPUT);
        assert.equal(result.pipeline, pipeline);
        assert.match(result.txt.toLowerCase(), /glade/);
        assert.match(result.txt.toLowerCase(), /eyes/);
        assert.ok(result.choices.length >= 1 && result.choices.length <= 5);
        assert.equal(result.sceneChange, true);
        assert.equal(result.scene, 'moonlit-glade');
      });
    }
  });

  describe('determinism', () => {
    it('gives identical TurnResults for the same seed and inputs, twice', async () => {
      const first = await servicesWith(AWF_FOR_ALL);
      const second = await servicesWith(AWF_FOR_ALL);
      await first.turns.startSession({ sessionId: 'same', userId: 'u', seed: 7 });
      await second.turns.startSession({ sessionId: 'same', userId: 'u', seed: 7 });
      assert.deepEqual(await play(first, 'same', WALK), await play(second, 'same', WALK));
    });

    it('gives identical TurnResults across a restart of the process services', async () => {
      const straight = await servicesWith(AWF_FOR_ALL);
      await straight.turns.startSession({ sessionId: 'r', userId: 'u', seed: 99 });
      const expected = await play(straight, 'r', WALK);

      const before = await servicesWith(AWF_FOR_ALL);
      await before.turns.startSession({ sessionId: 'r', userId: 'u', seed: 99 });
      const firstHalf = await play(before, 'r', WALK.slice(0, 3));
      await before.close();
      const restarted = await servicesWith(AWF_FOR_ALL, before.sqlitePath);
      const secondHalf = await play(restarted, 'r', WALK.slice(3));
      assert.deepEqual([...firstHalf, ...secondHalf], expected);
    });

    it('answers differently for another seed (the seed colours the prose)', async () => {
      const services = await servicesWith(AWF_FOR_ALL);
      const texts = new Set<string>();
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const { sessionId } = await services.turns.startSession({ seed });
        texts.add((await services.turns.playTurn(sessionId, 'look around')).txt);
      }
      assert.ok(texts.size > 1);
    });
  });

  describe('acts', () => {
    for (const [pipeline, env] of [
      ['awf', AWF_FOR_ALL],
      ['legacy', {}],
    ] as const) {
      it(`on ${pipeline}: change the persisted state (items, flags, relationships, scene)`, async () => {
        const services = await servicesWith(env);
        const { sessionId } = await services.turns.startSession({ seed: 5 });
        await play(services, sessionId, ['take the lantern', KIERA_INPUT, 'talk to kiera']);
        const { session, turns } = await services.turns.getSession(sessionId);
        assert.deepEqual(session.state.inventory, ['lantern']);
        assert.equal(session.state.flags['took-lantern'], true);
        assert.equal(session.state.flags['met-kiera'], true);
        assert.equal(session.state.relationships.kiera, 1);
        assert.equal(session.state.scene, 'moonlit-glade');
        assert.equal(session.turnCount, 3);
        assert.deepEqual(
          turns.map((turn) => turn.result.pipeline),
          [pipeline, pipeline, pipeline],
        );
      });
    }

    it('gate later turns on earlier ones: the stair needs the lantern', async () => {
      const services = await servicesWith(AWF_FOR_ALL);
      const { sessionId } = await services.turns.startSession({ seed: 11 });
      await play(services, sessionId, ['walk back to the village', 'climb the lane to the chapel']);
      const blocked = await services.turns.playTurn(sessionId, 'climb the stair');
      assert.equal(blocked.sceneChange, false);
      assert.match(blocked.txt, /need a light/);
    });
  });

  describe('when no pipeline can answer', () => {
    it('rejects the turn with LEGACY_UNAVAILABLE, persists nothing, and still tells the observers', async () => {
      const failed: FailedTurn[] = [];
      const services = await createTestServices(AWF_FOR_ALL, {
        provider: {
          name: 'down',
          complete: async () => {
            throw new ModelProviderError('connection refused');
          },
        },
        observers: [{ onTurn: () => {}, onTurnFailed: (event) => failed.push(event) }],
      });
      opened.push(services);
      const { sessionId } = await services.turns.startSession({ seed: 1 });
      await assert.rejects(services.turns.playTurn(sessionId, KIERA_INPUT), { code: 'LEGACY_UNAVAILABLE' });
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.decision.pipeline, 'awf');
      assert.equal(failed[0]?.errorCode, 'LEGACY_UNAVAILABLE');
      assert.equal(failed[0]?.reason, 'provider_error');
      const { session, turns } = await services.turns.getSession(sessionId);
      assert.equal(session.turnCount, 0);
      assert.deepEqual(turns, []);
    });
  });

  describe('when only the AWF provider is down', () => {
    it('answers from the legacy provider given apart (createServices legacyProvider) as a fallback', async () => {
      const down = {
        name: 'down',
        complete: async (): Promise<never> => {
          throw new ModelProviderError('connection refused');
        },
      };
      const reference = await servicesWith({ LEGACY_TURN_ENABLED: 'true' });
      const services = await createTestServices(AWF_FOR_ALL, {
        provider: down,
        legacyProvider: reference.legacyProvider,
      });
      opened.push(services);
      const { sessionId } = await services.turns.startSession({ seed: 1 });
      const result = await services.turns.playTurn(sessionId, KIERA_INPUT);
      assert.equal(result.pipeline, 'legacy');
      assert.equal(result.fallback, true);
      assert.equal(result.fallbackReason, 'provider_error');
      assert.equal(services.provider, down);
      assert.equal(services.legacyProvider, reference.legacyProvider);
    });
  });

  describe('.startSession()', () => {
    it('knows a player without a user id by the session id, so bucketing matches userId ?? sessionId', async () => {
      const services = await servicesWith({});
      const opening = await services.turns.startSession({ seed: 1 });
      assert.equal(opening.userId, opening.sessionId);
    });
  });

  describe('input', () => {
    it('treats a bare number as the choice of that number from the last turn', async () => {
      const services = await servicesWith(AWF_FOR_ALL);
      const opening = await services.turns.startSession({ seed: 3 });
      const glade = opening.choices.findIndex((choice) => choice.id === 'go-moonlit-glade');
      const result = await services.turns.playTurn(opening.sessionId, String(glade + 1));
      assert.equal(result.scene, 'moonlit-glade');
    });

    it('rejects an unknown session with SESSION_NOT_FOUND', async () => {
      const services = await servicesWith({});
      await assert.rejects(services.turns.playTurn('missing', 'hello'), { code: 'SESSION_NOT_FOUND' });
    });
  });

  describe('routing from the environment', () => {
    it('EMERGENCY_FALLBACK=true answers every turn with legacy, even at 100 %', async () => {
      const services = await servicesWith({ ...AWF_FOR_ALL, EMERGENCY_FALLBACK: 'true' });
      const { sessionId } = await services.turns.startSession({ seed: 1 });
      const result = await services.turns.playTurn(sessionId, KIERA_INPUT);
      assert.equal(result.pipeline, 'legacy');
      assert.equal(result.fallback, false);
      const { turns } = await services.turns.getSession(sessionId);
      assert.equal(turns[0]?.routeReason, 'emergency_fallback');
    });

    it('LEGACY_TURN_ENABLED=true keeps the legacy pipeline answering while AWF is the default', async () => {
      const services = await servicesWith({ ...AWF_FOR_ALL, LEGACY_TURN_ENABLED: 'true' });
      const { sessionId } = await services.turns.startSession({ seed: 1 });
      await services.turns.playTurn(sessionId, KIERA_INPUT);
      const { turns } = await services.turns.getSession(sessionId);
      assert.equal(turns[0]?.result.pipeline, 'legacy');
      assert.equal(turns[0]?.routeReason, 'legacy_forced');
    });

    it('AWF_BUNDLE_ON=false sends everyone to legacy whatever the percentage', async () => {
      const services = await servicesWith({ AWF_BUNDLE_ON: 'false', AWF_PERCENT_ROLLOUT: '100' });
      const { sessionId } = await services.turns.startSession({ seed: 1 });
      await services.turns.playTurn(sessionId, KIERA_INPUT);
      const { turns } = await services.turns.getSession(sessionId);
      assert.equal(turns[0]?.routeReason, 'global_disabled');
    });
  });

  describe('local model fault injection', () => {
    const outcomesBySeed = async (env: Record<string, string>) => {
      const services = await servicesWith({ ...AWF_FOR_ALL, ...env });
      const outcomes = new Map<number, string>();
      for (let seed = 1; seed <= 24; seed++) {
        const { sessionId } = await services.turns.startSession({ seed });
        const result = await services.turns.playTurn(sessionId, KIERA_INPUT);
        outcomes.set(seed, `${result.pipeline}/${result.retried}/${result.fallbackReason ?? '-'}`);
      }
      return outcomes;
    };

    it('AWF_LOCAL_INVALID_RATE gives retry-then-success and invalid-twice fallbacks, the same for the same seeds', async () => {
      const env = { AWF_LOCAL_INVALID_RATE: '0.5' };
      const outcomes = await outcomesBySeed(env);
      const kinds = new Set(outcomes.values());
      assert.ok(kinds.has('awf/false/-'), [...kinds].join(' '));
      assert.ok(kinds.has('awf/true/-'), [...kinds].join(' '));
      assert.ok(kinds.has('legacy/true/invalid_output'), [...kinds].join(' '));
      assert.deepEqual(await outcomesBySeed(env), outcomes);
    });

    it('AWF_LOCAL_ERROR_RATE=1 makes every AWF call fail over to legacy as provider_error', async () => {
      const outcomes = await outcomesBySeed({ AWF_LOCAL_ERROR_RATE: '1' });
      assert.deepEqual(new Set(outcomes.values()), new Set(['legacy/false/provider_error']));
    });

    it('a simulated latency above the timeout falls back as timeout, and the legacy answer still arrives', async () => {
      // Median 20 ms against a 30 ms timeout: about a quarter of calls time out, AWF and legacy alike.
      const services = await servicesWith({
        ...AWF_FOR_ALL,
        AWF_LOCAL_LATENCY_MS: '20',
        AWF_MODEL_TIMEOUT_MS: '30',
      });
      const reasons = new Set<string>();
      for (let seed = 1; seed <= 30 && !reasons.has('timeout'); seed++) {
        const { sessionId } = await services.turns.startSession({ seed });
        const result = await services.turns
          .playTurn(sessionId, KIERA_INPUT)
          .catch((error) => error.code as string);
        reasons.add(typeof result === 'string' ? result : (result.fallbackReason ?? result.pipeline));
      }
      assert.ok(reasons.has('timeout'), [...reasons].join(' '));
    });
  });
});
