import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from './canonical-json.js';

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
});
