import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CanonicalFragment, canonicalJson, canonicalJsonSized } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('writes numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    assert.equal(
      canonicalJson([1e21, 0.000001, 1e-7, -0, 4.5, 333333333.3333333]),
      '[1e+21,0.000001,1e-7,0,4.5,333333333.3333333]',
    );
  });
  it('sorts keys by UTF-16 code units, not by locale', () => {
    assert.equal(
      canonicalJson({ '\u20ac': 1, '\r': 2, '1': 3, a: 4, A: 5 }),
      '{"\\r":2,"1":3,"A":5,"a":4,"€":1}',
    );
  });
  it('drops undefined members and refuses non-finite numbers', () => {
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
    assert.throws(() => canonicalJson({ a: Number.NaN }), /non-finite/);
  });
  it('writes undefined array items as null and a leading undefined member leaves no stray comma', () => {
    assert.equal(canonicalJson([undefined, 1, null]), '[null,1,null]');
    assert.equal(canonicalJson({ a: undefined, b: 1, c: undefined, d: [] }), '{"b":1,"d":[]}');
    assert.equal(canonicalJson({ a: undefined }), '{}');
    assert.equal(canonicalJson([[], {}, [{}]]), '[[],{},[{}]]');
  });
  it('writes an object with its UTF-8 size, fragments included, as canonicalJson and Buffer.byteLength do', () => {
    const fragment = new CanonicalFragment({ é: '€ and 🌊', list: [1, 'two'] });
    const values: Record<string, unknown>[] = [
      {},
      { a: undefined, b: 1, c: undefined, d: [] },
      { only: undefined },
      { text: '\ud83c lone surrogate and \u0000 and "quotes"', list: [undefined, 1, null] },
      { '\u20ac': 1, '\r': 2, A: 3, a: 4, nested: { deep: ['ü', 'ß', '日本', 4.5, true, false] } },
      { fragment, others: [fragment, { inner: fragment }], z: 'tail', é: fragment },
    ];
    for (const value of values) {
      const text = canonicalJson(value);
      assert.deepEqual(canonicalJsonSized(value), { json: text, bytes: Buffer.byteLength(text, 'utf8') });
    }
  });
});
