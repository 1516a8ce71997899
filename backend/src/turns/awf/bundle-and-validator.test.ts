import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContent } from '../../content/content-loader.js';
import type { GameState } from '../../game/game-types.js';
import { assembleBundle } from './bundle-assembler.js';
import { validateOutput } from './output-validator.js';

const content = loadContent(new URL('../../../content', import.meta.url).pathname);
const state: GameState = { scene: 'forest-edge', flags: {}, inventory: [], relationships: { kiera: 0 } };
const request = { content, state, sessionSeed: 424242, turnNo: 1, input: 'look', recent: [] };

describe('assembleBundle', () => {
  it('gives byte-identical JSON for the same state and input', () => {
    const a = assembleBundle(request);
    const b = assembleBundle({ ...request, state: structuredClone(state) });
    assert.equal(a.json, b.json);
    assert.equal(a.bytes, Buffer.byteLength(a.json));
  });

  it('is insensitive to the key order of the state it is given', () => {
    const reordered: GameState = {
      relationships: { kiera: 0 },
      inventory: [],
      flags: {},
      scene: 'forest-edge',
    };
    assert.equal(assembleBundle({ ...request, state: reordered }).json, assembleBundle(request).json);
  });

  it('changes with the input, the turn and the state', () => {
    const base = assembleBundle(request).json;
    assert.notEqual(assembleBundle({ ...request, input: 'listen' }).json, base);
    assert.notEqual(assembleBundle({ ...request, turnNo: 2 }).json, base);
    assert.notEqual(assembleBundle({ ...request, state: { ...state, inventory: ['lantern'] } }).json, base);
  });

  it('carries the content hash, the current scene, its neighbours and at most three recent turns', () => {
    const recent = [1, 2, 3, 4].map((turn) => ({ turn, input: `i${turn}`, txt: `t${turn}` }));
    const { bundle } = assembleBundle({ ...request, recent });
    assert.equal(bundle.meta.contentHash, content.hash);
    assert.equal(bundle.scene.id, 'forest-edge');
    assert.deepEqual(
      bundle.neighbors.map((scene) => scene.id),
      ['mill-village', 'moonlit-glade'],
    );
    assert.deepEqual(
      bundle.recent.map((turn) => turn.turn),
      [2, 3, 4],
    );
  });
});

describe('validateOutput', () => {
  const valid = {
    txt: 'You step into the glade.',
    scene: 'moonlit-glade',
    choices: [{ id: 'go-forest-edge', label: 'Go back' }],
    acts: [{ type: 'SCENE_CHANGE', to: 'moonlit-glade' }],
  };
  const errorsOf = (output: unknown): string[] => {
    const result = validateOutput(
      typeof output === 'string' ? output : JSON.stringify(output),
      content,
      state,
    );
    return result.ok ? [] : result.errors;
  };

  it('accepts a valid answer, also inside a code fence with chatter', () => {
    assert.deepEqual(errorsOf(valid), []);
    assert.deepEqual(errorsOf(`Sure!\n\`\`\`json\n${JSON.stringify(valid)}\n\`\`\``), []);
  });

  const broken: Array<[string, unknown, RegExp]> = [
    ['no JSON at all', 'The glade is quiet.', /^\$: the answer contains no JSON object$/],
    ['truncated JSON', '{"txt": "a", "scene": ', /not valid JSON/],
    ['a missing field', { ...valid, txt: undefined }, /^\$\.txt: /],
    [
      'an unknown scene',
      { ...valid, scene: 'void', acts: [{ type: 'SCENE_CHANGE', to: 'void' }] },
      /unknown scene "void"/,
    ],
    ['an act outside the catalog', { ...valid, acts: [{ type: 'TELEPORT' }] }, /^\$\.acts\[0\]\.type: /],
    [
      'an unknown item',
      { ...valid, acts: [...valid.acts, { type: 'ADD_ITEM', item: 'sword' }] },
      /unknown item "sword"/,
    ],
    [
      'an unknown NPC',
      { ...valid, acts: [...valid.acts, { type: 'NPC_RELATIONSHIP', npc: 'bob', delta: 1 }] },
      /unknown NPC/,
    ],
    ['no choices', { ...valid, choices: [] }, /0 choices, expected 1 to 5/],
    [
      'six choices',
      { ...valid, choices: Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, label: 'x' })) },
      /6 choices, expected 1 to 5/,
    ],
    [
      'a label over 80 characters',
      { ...valid, choices: [{ id: 'a', label: 'x'.repeat(81) }] },
      /81 characters, at most 80/,
    ],
    [
      'duplicate choice ids',
      {
        ...valid,
        choices: [
          { id: 'a', label: 'x' },
          { id: 'a', label: 'y' },
        ],
      },
      /duplicate id "a"/,
    ],
    ['empty text', { ...valid, txt: '   ' }, /^\$\.txt: text is empty$/],
    ['text over the bound', { ...valid, txt: 'x'.repeat(1401) }, /1401 characters, at most 1400/],
    ['a scene move without SCENE_CHANGE', { ...valid, acts: [] }, /without a SCENE_CHANGE act/],
    [
      'a SCENE_CHANGE to another scene than the answer names',
      { ...valid, acts: [{ type: 'SCENE_CHANGE', to: 'hollow-oak' }] },
      /SCENE_CHANGE to "hollow-oak" but scene is "moonlit-glade"/,
    ],
  ];
  for (const [what, output, message] of broken) {
    it(`rejects ${what}, naming where`, () => {
      const errors = errorsOf(output);
      assert.ok(
        errors.some((error) => message.test(error)),
        errors.join(' | '),
      );
    });
  }
});
