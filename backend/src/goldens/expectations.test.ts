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
