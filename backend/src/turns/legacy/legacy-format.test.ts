import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContent } from '../../content/content-loader.js';
import type { GameState } from '../../game/game-types.js';
import {
  isReadableLegacyAnswer,
  parseLegacyAnswer,
  parseLegacyPrompt,
  renderLegacyAnswer,
  renderLegacyPrompt,
} from './legacy-format.js';

const content = loadContent(new URL('../../../content', import.meta.url).pathname);
const state: GameState = { scene: 'forest-edge', flags: {}, inventory: [], relationships: {} };

describe('legacy format', () => {
  it('reads back the prompt header it writes', () => {
    const fields = {
      scene: 'moonlit-glade',
      flags: ['met-kiera'],
      inventory: ['lantern', 'bread'],
      relationships: { kiera: 2, mara: -1 },
      seed: 1234,
      input: 'share the bread\nwith kiera',
    };
    assert.deepEqual(parseLegacyPrompt(renderLegacyPrompt(content, fields)), {
      ...fields,
      input: 'share the bread with kiera',
    });
  });

  it('parses text, effects, location and numbered choices into acts and choices', () => {
    const text = renderLegacyAnswer({
      txt: 'You take the lantern and walk into the glade.',
      sceneName: 'The Moonlit Glade',
      choices: [
        { id: 'x', label: 'Speak to Kiera' },
        { id: 'y', label: 'Go back' },
      ],
      acts: [
        { type: 'ADD_ITEM', item: 'lantern' },
        { type: 'SET_FLAG', flag: 'took-lantern', value: true },
        { type: 'NPC_RELATIONSHIP', npc: 'kiera', delta: -2 },
      ],
    });
    const parsed = parseLegacyAnswer(text, content, state, 5);
    assert.equal(parsed.txt, 'You take the lantern and walk into the glade.');
    assert.equal(parsed.scene, 'moonlit-glade');
    assert.deepEqual(parsed.choices, [
      { id: 'choice-1', label: 'Speak to Kiera' },
      { id: 'choice-2', label: 'Go back' },
    ]);
    assert.deepEqual(parsed.acts, [
      { type: 'SCENE_CHANGE', to: 'moonlit-glade' },
      { type: 'ADD_ITEM', item: 'lantern' },
      { type: 'SET_FLAG', flag: 'took-lantern', value: true },
      { type: 'NPC_RELATIONSHIP', npc: 'kiera', delta: -2 },
    ]);
  });

  it('is lenient like the old engine: unknown tags and places are ignored, choices capped', () => {
    const text = [
      'Something happens.',
      'Effects: [GOT sword] [NPC nobody +1] [DANCE]',
      'Location: Atlantis',
      'Choices:',
      ...Array.from({ length: 8 }, (_, i) => `${i + 1}) option ${i + 1}`),
    ].join('\n');
    const parsed = parseLegacyAnswer(text, content, state, 5);
    assert.equal(parsed.scene, 'forest-edge');
    assert.deepEqual(parsed.acts, []);
    assert.equal(parsed.choices.length, 5);
  });

  describe('isReadableLegacyAnswer()', () => {
    const readable: Array<[string, string]> = [
      ['a Location line', 'You wait.\nLocation: The Forest Edge'],
      ['a Location line naming no known place', 'You wait.\nLocation: Atlantis'],
      ['numbered choices under Choices:', 'You wait.\nChoices:\n1) Wait more'],
      ['structure without prose (the scene description stands in)', 'Location: The Forest Edge'],
    ];
    for (const [what, text] of readable) {
      it(`accepts an answer with ${what}`, () => assert.equal(isReadableLegacyAnswer(text), true));
    }

    const unreadable: Array<[string, string]> = [
      ['empty text', ''],
      ['blank text', '  \n\t\n'],
      ['chat with no structure', 'lol I am a model 🤖 {{{ not json'],
      ['an AWF JSON answer', '{"txt":"You wait.","choices":[],"acts":[]}'],
      ['numbered lines without a Choices: header', 'You wait.\n1. Wait more\n2. Leave'],
      ['a Choices: header with no numbered option', 'You wait.\nChoices:\nnone'],
      ['an empty Location line', 'You wait.\nLocation:   '],
    ];
    for (const [what, text] of unreadable) {
      it(`rejects ${what}`, () => assert.equal(isReadableLegacyAnswer(text), false));
    }

    it("accepts every answer the local narrator's renderer writes", () => {
      const text = renderLegacyAnswer({
        txt: 'You wait.',
        sceneName: 'The Forest Edge',
        choices: [],
        acts: [],
      });
      assert.equal(isReadableLegacyAnswer(text), true);
    });
  });
});
