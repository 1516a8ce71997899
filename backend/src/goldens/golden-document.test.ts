import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrubVolatile, sectionsOf, serializeGolden } from './golden-document.js';

describe('scrubVolatile()', () => {
  it('numbers ids by value, so one id is one placeholder wherever it appears', () => {
    const scrubbed = scrubVolatile({
      opening: { sessionId: 'f00d-1' },
      turns: [
        { result: { turnId: 'f00d-1:1' } },
        { result: { turnId: 'f00d-1:2' }, note: 'see f00d-1:1 and f00d-1' },
        { again: { sessionId: 'f00d-1' } },
      ],
    });
    assert.deepEqual(scrubbed, {
      opening: { sessionId: '<sessionId-1>' },
      turns: [
        { result: { turnId: '<turnId-1>' } },
        { note: 'see <turnId-1> and <sessionId-1>', result: { turnId: '<turnId-2>' } },
        { again: { sessionId: '<sessionId-1>' } },
      ],
    });
  });

  it('numbers timestamps and latencies by occurrence, whatever their values', () => {
    const scrub = (latencies: number[], times: string[]) =>
      scrubVolatile({
        turns: latencies.map((latencyMs, i) => ({ latencyMs, recordedAt: times[i] })),
        other: times[0],
      });
    const first = scrub([12.5, 12.5], ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    const second = scrub([3, 40.1], ['2026-05-05T10:00:00.000Z', '2026-05-05T10:00:01.500Z']);
    assert.deepEqual(first, second);
    assert.deepEqual(first, {
      other: '<timestamp-1>',
      turns: [
        { latencyMs: '<latencyMs-1>', recordedAt: '<timestamp-2>' },
        { latencyMs: '<latencyMs-2>', recordedAt: '<timestamp-3>' },
      ],
    });
  });

  it('leaves stable values alone', () => {
    const stable = {
      scene: 'moonlit-glade',
      tokens: { in: 10, out: 2 },
      txt: 'It is 2025.',
      choices: [{ id: 'go-x' }],
    };
    assert.deepEqual(scrubVolatile(stable), stable);
  });
});

describe('serializeGolden()', () => {
  it('sorts keys at every depth, indents two spaces, ends with one LF and drops undefined fields', () => {
    const text = serializeGolden({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined }, txt: 'line\r\nbreak' });
    assert.equal(
      text,
      '{\n  "a": {\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1,\n  "txt": "line\\r\\nbreak"\n}\n',
    );
    assert.equal(text.includes('\r'), false);
  });

  it('gives the same bytes for the same value built in another key order', () => {
    assert.equal(serializeGolden({ x: 1, y: { b: 2, a: 1 } }), serializeGolden({ y: { a: 1, b: 2 }, x: 1 }));
  });
});

describe('sectionsOf()', () => {
  it('splits a golden into meta, opening and one section per turn carrying its input', () => {
    const sections = sectionsOf({
      meta: { scenario: 'walk' },
      opening: { scene: 'forest-edge' },
      turns: [
        { input: 'look', turn: 1 },
        { input: 'go', turn: 2 },
      ],
    });
    assert.deepEqual(
      sections.map(({ id, input }) => ({ id, input })),
      [
        { id: 'meta', input: undefined },
        { id: 'opening', input: undefined },
        { id: 'turn 1', input: 'look' },
        { id: 'turn 2', input: 'go' },
      ],
    );
    assert.deepEqual(sections[2]?.lines, ['{', '  "input": "look",', '  "turn": 1', '}']);
  });
});
