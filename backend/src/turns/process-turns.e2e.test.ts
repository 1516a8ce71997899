import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { isAwfBundleEnabled } from '../rollout/canary-rollout.js';
import { runAwfTurn, runLegacyTurn } from './process-turns.js';

describe("the seed's runAwfTurn / runLegacyTurn", () => {
  let services: TestServices;
  before(async () => {
    services = await createTestServices({}, { watchRollout: false, sloTimers: false });
  });
  after(async () => {
    await services.dispose();
  });

  it('play the next turn on the named pipeline, recorded as a direct call', async () => {
    const { sessionId } = await services.turns.startSession({ seed: 424242 });
    const awf = await runAwfTurn({ sessionId, inputText: 'I step into the glade and look toward the eyes.' });
    const legacy = await runLegacyTurn({ sessionId, inputText: 'talk to kiera' });
    assert.equal(awf.pipeline, 'awf');
    assert.equal(awf.sceneChange, true);
    assert.equal(legacy.pipeline, 'legacy');
    const { turns, session } = await services.turns.getSession(sessionId);
    assert.deepEqual(
      turns.map((turn) => turn.routeReason),
      ['direct_call', 'direct_call'],
    );
    assert.equal(session.state.flags['met-kiera'], true);
  });

  it("serve the seed's decommission snippet as written", async () => {
    const { sessionId } = await services.turns.startSession({ seed: 7 });
    const inputText = 'take the lantern';
    const LEGACY_TURN_ENABLED = process.env.LEGACY_TURN_ENABLED === 'true';
    const turn =
      isAwfBundleEnabled({ sessionId }) && !LEGACY_TURN_ENABLED
        ? await runAwfTurn({ sessionId, inputText })
        : await runLegacyTurn({ sessionId, inputText });
    // The global flag is off in this wiring, so the snippet routes to legacy.
    assert.equal(turn.pipeline, 'legacy');
    assert.deepEqual((await services.turns.getSession(sessionId)).session.state.inventory, ['lantern']);
  });
});
