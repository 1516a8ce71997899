import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmurhash3_x86_32, murmurhash3Bytes, murmurhash3Prefixed } from './murmurhash3.js';

describe('murmurhash3_x86_32', () => {
  // Published vectors of the reference implementation (SMHasher), as unsigned 32-bit integers.
  const vectors: Array<[string, number, number]> = [
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['test', 0, 0xba6bd213],
    ['Hello, world!', 0, 0xc0363e43],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
    ['ππππ', 0x9747b28c, 0x474dc9a8], // multi-byte UTF-8, checked against murmurhash3js-revisited
  ];
  for (const [text, seed, expected] of vectors) {
    it(`hashes ${JSON.stringify(text)} with seed ${seed} to 0x${expected.toString(16)}`, () => {
      assert.equal(murmurhash3_x86_32(text, seed), expected);
    });
  }

  it('hashes a prefix and a text as their concatenation', () => {
    for (const key of ['', 'user-123', 'ünïcödé-🙂', '€ℵ', 'lone\ud800surrogate', 'x'.repeat(1000)]) {
      assert.equal(murmurhash3Prefixed('awf:', key), murmurhash3_x86_32(`awf:${key}`));
      assert.equal(
        murmurhash3_x86_32(`awf:${key}`),
        murmurhash3Bytes(Buffer.from(`awf:${key}`), Buffer.byteLength(`awf:${key}`)),
      );
    }
  });
});
