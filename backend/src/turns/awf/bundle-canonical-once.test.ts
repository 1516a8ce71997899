import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContent } from '../../content/content-loader.js';
import type { Content } from '../../content/content-types.js';
import type { GameState } from '../../game/game-types.js';
import { CanonicalFragment, canonicalJson } from '../../shared/canonical-json.js';
import { assembleBundle } from './bundle-assembler.js';

const content = loadContent(new URL('../../../content', import.meta.url).pathname);
const state: GameState = { scene: 'forest-edge', flags: {}, inventory: [], relationships: { kiera: 0 } };

/** The content with its first item and the world's contract wrapped so every key listing is counted. */
function countingContent(): { content: Content; listings: () => number } {
  let listings = 0;
  const counted = <T extends object>(value: T): T =>
    new Proxy(value, {
      ownKeys(target) {
        listings += 1;
        return Reflect.ownKeys(target);
      },
    });
  const [first, ...rest] = content.world.items;
  return {
    content: {
      ...content,
      world: { ...content.world, items: [counted(first as object) as (typeof rest)[number], ...rest] },
      contract: { ...content.contract, output: counted(content.contract.output) },
    },
    listings: () => listings,
  };
}

describe('assembleBundle: static content canonical once', () => {
  it('sorts the keys of a content object once over 20 turns, not every turn', () => {
    const { content: watched, listings } = countingContent();
    for (let turnNo = 1; turnNo <= 20; turnNo++) {
      assembleBundle({
        content: watched,
        state,
        sessionSeed: 7,
        turnNo,
        input: `look ${turnNo}`,
        recent: [],
      });
    }
    // One listing each for the item and for the contract's output, when their JSON was first written.
    assert.equal(listings(), 2);
  });

  it('writes exactly the canonical JSON of the whole bundle, in every scene', () => {
    for (const scene of content.scenesById.keys()) {
      for (const turnNo of [1, 2]) {
        const assembled = assembleBundle({
          content,
          state: { ...state, scene, flags: { 'met-kiera': true }, inventory: ['lantern'] },
          sessionSeed: 11,
          turnNo,
          input: 'talk to Kiera',
          recent: [{ turn: 1, input: 'look', txt: 'You look.' }],
        });
        assert.equal(assembled.json, canonicalJson(assembled.bundle), scene);
      }
    }
  });
});

describe('CanonicalFragment', () => {
  it('is written verbatim where it stands, as canonicalJson of its value', () => {
    const value = { b: [1, { d: 2, c: 'x' }], a: null };
    assert.equal(canonicalJson({ z: 1, y: new CanonicalFragment(value) }), canonicalJson({ z: 1, y: value }));
    assert.equal(new CanonicalFragment(value).json, '{"a":null,"b":[1,{"c":"x","d":2}]}');
  });
});
