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

  it('writes a recent turn once over the three bundles that show it, with the same bytes as writing it each time', () => {
    let reads = 0;
    const turns = [1, 2, 3, 4, 5].map((turn) => {
      const plain = { turn, input: `look ${turn}`, txt: `You look, the ${turn}. time: "ash" and \u00e9` };
      return new Proxy(plain, {
        get(target, key, receiver) {
          if (key === 'txt') reads += 1;
          return Reflect.get(target, key, receiver);
        },
      });
    });
    const bundles = [2, 3, 4, 5, 6].map((turnNo) => {
      const recent = turns.slice(Math.max(0, turnNo - 4), turnNo - 1);
      return assembleBundle({ content, state, sessionSeed: 3, turnNo, input: 'look', recent });
    });
    for (const assembled of bundles) {
      assert.equal(assembled.json, canonicalJson(assembled.bundle));
      assert.equal(assembled.bytes, Buffer.byteLength(assembled.json, 'utf8'));
    }
    // Every bundle copies each shown turn's txt into bundle.recent (3 + 3 + 3 + 2 + 1 = 12 reads); the
    // canonical text of each of the 5 turns is written once (5 more), not once per bundle (12 more).
    assert.equal(reads, 12 + 5);
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

  it('joins fragments into an array fragment with the same text and UTF-8 size', () => {
    const items = [{ b: 'é', a: 1 }, 'x', [], { z: '\u{1F600}' }].map((item) => new CanonicalFragment(item));
    const joined = CanonicalFragment.array(items);
    assert.equal(joined.json, canonicalJson([{ b: 'é', a: 1 }, 'x', [], { z: '\u{1F600}' }]));
    assert.equal(joined.bytes, Buffer.byteLength(joined.json, 'utf8'));
    assert.deepEqual([CanonicalFragment.array([]).json, CanonicalFragment.array([]).bytes], ['[]', 2]);
  });
});
