import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffLines, unifiedDiff } from './unified-diff.js';

const labels = { oldLabel: 'golden walk turn 1 "look"', newLabel: 'actual walk turn 1 "look"' };
const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${i + from}`);

describe('diffLines()', () => {
  it('keeps common lines and marks removals before additions', () => {
    assert.deepEqual(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']), [
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
    ]);
  });

  it('finds a longest common subsequence in the middle', () => {
    const script = diffLines(['a', 'b', 'c', 'd', 'e'], ['a', 'c', 'd', 'x', 'e']);
    assert.deepEqual(
      script.map((line) => `${line.op}${line.text}`),
      [' a', '-b', ' c', ' d', '+x', ' e'],
    );
  });
});

describe('unifiedDiff()', () => {
  it('is empty when nothing changed', () => {
    assert.equal(unifiedDiff(lines(5), lines(5), { ...labels, context: 3 }), '');
  });

  it('shows --- golden / +++ actual headers and 3 lines of context around a change', () => {
    const after = lines(20);
    after[9] = 'line ten';
    assert.equal(
      unifiedDiff(lines(20), after, { ...labels, context: 3 }),
      [
        '--- golden walk turn 1 "look"',
        '+++ actual walk turn 1 "look"',
        '@@ -7,7 +7,7 @@',
        ' line 7',
        ' line 8',
        ' line 9',
        '-line 10',
        '+line ten',
        ' line 11',
        ' line 12',
        ' line 13',
        '',
      ].join('\n'),
    );
  });

  it('splits far-apart changes into hunks and merges close ones', () => {
    const after = lines(30);
    after[1] = 'two';
    after[4] = 'five';
    after[25] = 'twenty-six';
    const diff = unifiedDiff(lines(30), after, { ...labels, context: 3 });
    assert.deepEqual(
      diff.split('\n').filter((line) => line.startsWith('@@')),
      ['@@ -1,8 +1,8 @@', '@@ -23,7 +23,7 @@'],
    );
  });

  it('counts added and removed lines in the hunk header', () => {
    const diff = unifiedDiff(['a', 'b'], ['a', 'b', 'c', 'd'], { ...labels, context: 3 });
    assert.match(diff, /^@@ -1,2 \+1,4 @@$/m);
    assert.match(diff, /^\+c\n\+d$/m);
    assert.match(unifiedDiff([], ['x'], { ...labels, context: 3 }), /^@@ -0,0 \+1,1 @@\n\+x\n$/m);
  });

  it('with infinite context (--expand) shows the whole text in one hunk', () => {
    const after = lines(20);
    after[9] = 'line ten';
    const diff = unifiedDiff(lines(20), after, { ...labels, context: Number.POSITIVE_INFINITY });
    assert.match(diff, /^@@ -1,20 \+1,20 @@$/m);
    assert.ok(diff.includes(' line 1\n') && diff.includes(' line 20\n'));
  });
});
