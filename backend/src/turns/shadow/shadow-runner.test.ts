import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GameState, Session, TurnResult } from '../../game/game-types.js';
import type { RouteDecision } from '../../rollout/route-decision.js';
import type { AwfTurnOutcome } from '../awf/awf-turn.js';
import { compareWithServed, normaliseLabel } from './shadow-comparison.js';
import {
  createShadowRunner,
  type ShadowDropReason,
  type ShadowRun,
  type ShadowRunnerDeps,
} from './shadow-runner.js';
import { isShadowSampled } from './shadow-sampling.js';

const STATE: GameState = { scene: 'forest-edge', flags: {}, inventory: [], relationships: {} };
const VALID: AwfTurnOutcome = {
  ok: true,
  retried: false,
  tokens: { in: 100, out: 20 },
  bundleBytes: 2048,
  output: {
    txt: 'You look around.',
    scene: 'forest-edge',
    choices: [{ id: 'c1', label: 'Look around' }],
    acts: [],
  },
};

function aTurn(turnNo: number, decision: RouteDecision = { pipeline: 'legacy', reason: 'percent_bucket' }) {
  const session: Session = {
    sessionId: 's-1',
    userId: 'u-1',
    seed: 7,
    state: STATE,
    turnCount: turnNo,
    lastChoices: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const result = {
    scene: 'forest-edge',
    sceneChange: false,
    acts: [],
    choices: [{ id: 'c1', label: 'look around' }],
  } as unknown as TurnResult;
  return { result, decision, session, input: 'look', before: { ...session, turnCount: turnNo - 1 } };
}

/** A runner whose AWF calls wait until released; records what the observers are told. */
function harness(overrides: Partial<ShadowRunnerDeps> = {}) {
  const runs: ShadowRun[] = [];
  const drops: ShadowDropReason[] = [];
  const pending: Array<(outcome: AwfTurnOutcome) => void> = [];
  const runner = createShadowRunner({
    settings: { concurrency: 1, queueSize: 1, maxPerMinute: 1000 },
    shadowPercent: () => 100,
    runAwfTurn: () => new Promise((resolve) => pending.push(resolve)),
    recentTurns: async () => [],
    observers: [{ onShadowRun: (run) => runs.push(run), onShadowDropped: (reason) => drops.push(reason) }],
    ...overrides,
  });
  return { runner, runs, drops, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('isShadowSampled()', () => {
  it('answers the same for the same session and turn, none at 0 %, all at 100 %', () => {
    for (let turn = 1; turn <= 200; turn += 1) {
      assert.equal(isShadowSampled('s-a', turn, 37.5), isShadowSampled('s-a', turn, 37.5));
      assert.equal(isShadowSampled('s-a', turn, 0), false);
      assert.equal(isShadowSampled('s-a', turn, 100), true);
    }
  });

  it('samples about the rate: 10 % of 20000 turns within the binomial 99 % range (1891–2109)', () => {
    let sampled = 0;
    for (let s = 0; s < 2000; s += 1) {
      for (let turn = 1; turn <= 10; turn += 1) if (isShadowSampled(`session-${s}`, turn, 10)) sampled += 1;
    }
    assert.ok(sampled >= 1891 && sampled <= 2109, `sampled ${sampled}`);
  });
});

describe('compareWithServed()', () => {
  it('compares normalised labels, scene, scene change and acts in any order', () => {
    const agreement = compareWithServed(
      STATE,
      {
        txt: 'x',
        scene: 'moonlit-glade',
        choices: [
          { id: 'c1', label: 'Talk to Kiera!' },
          { id: 'c2', label: 'Go back' },
        ],
        acts: [
          { type: 'SET_FLAG', flag: 'met', value: true },
          { type: 'SCENE_CHANGE', to: 'moonlit-glade' },
        ],
      },
      {
        scene: 'moonlit-glade',
        sceneChange: true,
        choices: [
          { id: 'a', label: 'talk to  kiera' },
          { id: 'b', label: 'Climb the oak' },
        ],
        acts: [
          { type: 'SCENE_CHANGE', to: 'moonlit-glade' },
          { type: 'SET_FLAG', flag: 'met', value: true },
        ],
      },
    );
    assert.deepEqual(agreement, {
      sameScene: true,
      sameSceneChange: true,
      sameActs: true,
      choiceShared: 1,
      choiceUnion: 3,
    });
    assert.equal(normaliseLabel('  Café — NORTH '), 'cafe north');
  });
});

describe('createShadowRunner()', () => {
  it('runs a legacy-routed turn only after the turn returned, and never an AWF-routed or emergency one', async () => {
    const { runner, runs, pending } = harness({
      settings: { concurrency: 4, queueSize: 4, maxPerMinute: 100 },
    });
    runner.observer.onTurn(aTurn(1));
    runner.observer.onTurn(aTurn(2, { pipeline: 'awf', reason: 'percent_bucket' }));
    runner.observer.onTurn(aTurn(3, { pipeline: 'legacy', reason: 'emergency_fallback' }));
    assert.equal(pending.length, 0, 'nothing starts on the turn path');
    await tick();
    assert.equal(pending.length, 1);
    pending[0]?.(VALID);
    await runner.idle();
    assert.deepEqual(
      runs.map((run) => [run.turnNo, run.outcome, run.agreement?.sameScene, run.agreement?.choiceShared]),
      [[1, 'valid_first', true, 1]],
    );
  });

  it('drops beyond concurrency + queue (queue_full) and beyond the per-minute cap (rate_cap), counting each', async () => {
    const full = harness();
    for (let turn = 1; turn <= 4; turn += 1) full.runner.observer.onTurn(aTurn(turn));
    await tick();
    assert.deepEqual(full.drops, ['queue_full', 'queue_full']);
    assert.deepEqual(full.runner.stats().dropped.queue_full, 2);
    assert.equal(full.runner.stats().running, 1);
    assert.equal(full.runner.stats().queued, 1);

    const capped = harness({ settings: { concurrency: 4, queueSize: 4, maxPerMinute: 1 } });
    capped.runner.observer.onTurn(aTurn(1));
    capped.runner.observer.onTurn(aTurn(2));
    await tick();
    assert.deepEqual(capped.drops, ['rate_cap']);
  });

  it('counts a failing run as dropped (error) and never throws to the turn', async () => {
    const errors: unknown[] = [];
    const { runner, drops } = harness({
      runAwfTurn: async () => {
        throw new Error('bundle exploded');
      },
      onError: (error) => errors.push(error),
    });
    assert.doesNotThrow(() => runner.observer.onTurn(aTurn(1)));
    await tick();
    await runner.idle();
    assert.deepEqual(drops, ['error']);
    assert.equal(errors.length, 1);
  });

  it('close() drops the queued runs and abandons running ones after its bound, each counted as shutdown', async () => {
    const { runner, runs, drops, pending } = harness();
    runner.observer.onTurn(aTurn(1));
    runner.observer.onTurn(aTurn(2));
    await tick();
    await runner.close(50);
    assert.deepEqual(drops, ['shutdown', 'shutdown']);
    pending[0]?.(VALID);
    await tick();
    assert.deepEqual(runs, [], 'an abandoned run reports nothing');
    runner.observer.onTurn(aTurn(3));
    await tick();
    assert.deepEqual(drops, ['shutdown', 'shutdown', 'shutdown']);
    assert.deepEqual(runner.stats(), {
      queued: 0,
      running: 0,
      completed: 0,
      dropped: { queue_full: 0, rate_cap: 0, shutdown: 3, error: 0 },
    });
  });
});
