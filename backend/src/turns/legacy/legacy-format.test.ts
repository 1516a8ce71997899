import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContent } from '../../content/content-loader.js';
import type { GameState } from '../../game/game-types.js';
import {
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
});
