import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkExpectations } from './expectations.js';
import type { Expectations } from './scenario.js';
import { aTurnResult } from './testing/golden-fixtures.js';

const glade = aTurnResult();
const fallbackTurn = aTurnResult({
  pipeline: 'legacy',
  retried: true,
  fallback: true,
  fallbackReason: 'invalid_output',
  sceneChange: false,
  scene: 'forest-edge',
});

/** Each expectation: a case that holds, a case that fails, and what the failure must say. */
const cases: Array<{
  name: keyof Expectations;
  holds: Expectations;
  fails: Expectations;
  result?: ReturnType<typeof aTurnResult>;
  expected: string;
  actual: string;
}> = [
  {
    name: 'mustInclude',
    holds: { mustInclude: ['GLADE', 'eyes'] },
    fails: { mustInclude: ['glade', 'lantern'] },
    expected: 'the text to include "lantern"',
    actual: '"You push through the brambles and step into the Glade. The eyes watch you."',
  },
  {
    name: 'mustNotInclude',
    holds: { mustNotInclude: ['lantern'] },
    fails: { mustNotInclude: ['BRAMBLES'] },
    expected: 'the text not to include "BRAMBLES"',
    actual: '"You push through the brambles and step into the Glade. The eyes watch you."',
  },
  {
    name: 'choicesAtMost',
    holds: { choicesAtMost: 2 },
    fails: { choicesAtMost: 1 },
    expected: 'at most 1 choices',
    actual: '2 (do-talk-kiera, go-forest-edge)',
  },
  {
    name: 'choicesAtLeast',
    holds: { choicesAtLeast: 2 },
    fails: { choicesAtLeast: 3 },
    expected: 'at least 3 choices',
    actual: '2 (do-talk-kiera, go-forest-edge)',
  },
  {
    name: 'sceneChange',
    holds: { sceneChange: true },
    fails: { sceneChange: false },
    expected: 'sceneChange false',
    actual: 'true (scene "moonlit-glade")',
  },
  {
    name: 'scene',
    holds: { scene: 'moonlit-glade' },
    fails: { scene: 'hollow-oak' },
    expected: 'scene "hollow-oak"',
    actual: '"moonlit-glade"',
  },
  {
    name: 'pipeline',
    holds: { pipeline: 'legacy' },
    fails: { pipeline: 'awf' },
    result: fallbackTurn,
    expected: 'pipeline "awf"',
    actual: '"legacy" (fallback: invalid_output)',
  },
  {
    name: 'retried',
    holds: { retried: true },
    fails: { retried: false },
    result: fallbackTurn,
    expected: 'retried false',
    actual: 'true',
  },
  {
    name: 'fallback',
    holds: { fallback: true },
    fails: { fallback: false },
    result: fallbackTurn,
    expected: 'fallback false',
    actual: 'true (invalid_output)',
  },
  {
    name: 'fallbackReason',
    holds: { fallbackReason: 'invalid_output' },
    fails: { fallbackReason: 'timeout' },
    result: fallbackTurn,
    expected: 'fallbackReason "timeout"',
    actual: '"invalid_output"',
  },
  {
    name: 'actsInclude',
    holds: { actsInclude: [{ type: 'SCENE_CHANGE', to: 'moonlit-glade' }, { type: 'ADD_ITEM' }] },
    fails: { actsInclude: [{ type: 'SCENE_CHANGE', to: 'hollow-oak' }] },
    result: aTurnResult({
      acts: [
        { type: 'SCENE_CHANGE', to: 'moonlit-glade' },
        { type: 'ADD_ITEM', item: 'lantern' },
      ],
    }),
    expected: 'an act {"type":"SCENE_CHANGE","to":"hollow-oak"}',
    actual: '[{"type":"SCENE_CHANGE","to":"moonlit-glade"},{"type":"ADD_ITEM","item":"lantern"}]',
  },
  {
    name: 'maxLatencyMs',
    holds: { maxLatencyMs: 12.5 },
    fails: { maxLatencyMs: 12 },
    expected: 'a latency of at most 12 ms',
    actual: '12.5 ms',
  },
  {
    name: 'validFirstTry',
    holds: { validFirstTry: false },
    fails: { validFirstTry: true },
    result: fallbackTurn,
    expected: 'validFirstTry true',
    actual: 'false (fallback: invalid_output)',
  },
];

describe('checkExpectations()', () => {
  for (const { name, holds, fails, result = glade, expected, actual } of cases) {
    describe(name, () => {
      it('passes when it holds', () => {
        assert.deepEqual(checkExpectations('walk', 2, holds, result), []);
      });

      it('fails naming scenario, turn, expectation, expected and actual', () => {
        const [failure, ...more] = checkExpectations('walk', 2, fails, result);
        assert.deepEqual(more, []);
        assert.deepEqual(failure, {
          scenario: 'walk',
          turn: 2,
          expectation: name,
          expected,
          actual,
          message: `walk turn 2: expect.${name}: expected ${expected}, actual ${actual}`,
        });
      });
    });
  }

  it('passes a turn without expectations', () => {
    assert.deepEqual(checkExpectations('walk', 1, undefined, glade), []);
  });

  it('reports every failed expectation of a turn, not only the first', () => {
    const failures = checkExpectations(
      'walk',
      1,
      { scene: 'hollow-oak', sceneChange: false, mustInclude: ['zebra', 'yak'] },
      glade,
    );
    assert.deepEqual(
      failures.map((failure) => failure.expectation),
      ['mustInclude', 'mustInclude', 'sceneChange', 'scene'],
    );
  });

  describe('mustInclude any-of groups', () => {
    it('holds when any one alternative of a group appears, case-insensitive', () => {
      assert.deepEqual(
        checkExpectations('walk', 1, { mustInclude: [['clearing', 'GLADE'], 'eyes'] }, glade),
        [],
      );
    });

    it('fails when none of a group appears, naming every alternative', () => {
      const [failure, ...more] = checkExpectations(
        'walk',
        1,
        { mustInclude: [['clearing', 'meadow']] },
        glade,
      );
      assert.deepEqual(more, []);
      assert.equal(failure?.expected, 'the text to include any of "clearing", "meadow"');
    });
  });

  describe('mustNotInclude', () => {
    it('fails when any one of the list appears, each named', () => {
      const failures = checkExpectations('walk', 1, { mustNotInclude: ['zebra', 'EYES', 'glade'] }, glade);
      assert.deepEqual(
        failures.map((failure) => failure.expected),
        ['the text not to include "EYES"', 'the text not to include "glade"'],
      );
    });
  });

  describe('actsInclude', () => {
    const turn = aTurnResult({ acts: [{ type: 'NPC_RELATIONSHIP', npc: 'kiera', delta: 1 }] });

    it('matches by type alone, or by type and every field given', () => {
      assert.deepEqual(
        checkExpectations('walk', 1, { actsInclude: [{ type: 'NPC_RELATIONSHIP' }] }, turn),
        [],
      );
      assert.deepEqual(
        checkExpectations(
          'walk',
          1,
          { actsInclude: [{ type: 'NPC_RELATIONSHIP', npc: 'kiera', delta: 1 }] },
          turn,
        ),
        [],
      );
    });

    it('fails when a field differs, or the turn carries no act', () => {
      assert.equal(
        checkExpectations('walk', 1, { actsInclude: [{ type: 'NPC_RELATIONSHIP', delta: -1 }] }, turn).length,
        1,
      );
      const [none] = checkExpectations(
        'walk',
        1,
        { actsInclude: [{ type: 'ADD_ITEM' }] },
        aTurnResult({ acts: [] }),
      );
      assert.equal(none?.actual, 'no acts');
    });
  });

  describe('validFirstTry', () => {
    it('is false after a retry that AWF then answered, and on a legacy-routed turn', () => {
      const [retried] = checkExpectations('walk', 1, { validFirstTry: true }, aTurnResult({ retried: true }));
      assert.equal(retried?.actual, 'false (retried)');
      const [legacy] = checkExpectations(
        'walk',
        1,
        { validFirstTry: true },
        aTurnResult({ pipeline: 'legacy' }),
      );
      assert.equal(legacy?.actual, 'false (legacy answered: no AWF call)');
    });

    it('is true when AWF answered at once', () => {
      assert.deepEqual(checkExpectations('walk', 1, { validFirstTry: true }, glade), []);
    });
  });

  it('fallbackReason says "none" when the turn did not fall back', () => {
    const [failure] = checkExpectations('walk', 1, { fallbackReason: 'timeout' }, glade);
    assert.equal(failure?.actual, 'none (no fallback)');
  });

  it('shortens a long text in the message', () => {
    const [failure] = checkExpectations(
      'walk',
      1,
      { mustInclude: ['zebra'] },
      aTurnResult({ txt: 'a'.repeat(1000) }),
    );
    assert.equal(failure?.actual.length, 240 + 3);
  });
});
