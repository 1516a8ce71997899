import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateToken, hashesEqual, hashToken, tokenIdOf } from './tokens.js';

describe('generateToken', () => {
  it('makes awf_<id>_<secret> tokens whose stored form is the SHA-256 of the whole token', () => {
    const { id, token, hash } = generateToken();
    assert.match(token, /^awf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(tokenIdOf(token), id);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(!hash.includes(token.slice(17)));
  });
  it('never repeats', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken().token));
    assert.equal(tokens.size, 1000);
  });
});

describe('tokenIdOf', () => {
  it('is undefined for anything not shaped like a token', () => {
    for (const bad of ['', 'awf_', 'awf_0123456789ab', 'Bearer x', `awf_0123456789AB_${'a'.repeat(43)}`]) {
      assert.equal(tokenIdOf(bad), undefined);
    }
  });
});

describe('hashesEqual', () => {
  it('compares digests (in constant time) and refuses malformed ones', () => {
    const a = hashToken('a');
    assert.equal(hashesEqual(a, hashToken('a')), true);
    assert.equal(hashesEqual(a, hashToken('b')), false);
    assert.equal(hashesEqual(a, 'abc'), false);
  });
});
