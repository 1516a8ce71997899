import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalEntryText, entryHash, GENESIS_HASH, normalizeDetails } from './audit-chain.js';

describe('canonicalEntryText + entryHash', () => {
  const fields = {
    seq: 1,
    id: '00000000-0000-4000-8000-000000000001',
    actor: 'admin',
    action: 'rollout.percent.set',
    entity: 'rollout',
    details: { previous: null, new: 25, version: 1 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  // The published vector (docs/rollout-audit-auth.md): an independent verifier must get the same.
  const text =
    '{"action":"rollout.percent.set","actor":"admin","createdAt":"2026-01-01T00:00:00.000Z","details":{"new":25,"previous":null,"version":1},"entity":"rollout","id":"00000000-0000-4000-8000-000000000001","seq":1}';

  it('writes the hashed fields as RFC 8785 canonical JSON', () => {
    assert.equal(canonicalEntryText(fields), text);
  });

  it('hashes sha256(prevHash ‖ canonical text) as lowercase hex', () => {
    // Also what `printf '%s%s' "$prev" "$text" | sha256sum` prints.
    assert.equal(
      entryHash(GENESIS_HASH, text),
      '9b59137ea8189f78ac48d9662ddb8f8e049e1daecb209bd2c3c62352b0573fb5',
    );
    assert.equal(
      entryHash(GENESIS_HASH, text),
      createHash('sha256').update(`${GENESIS_HASH}${text}`).digest('hex'),
    );
  });

  it('starts the chain from 64 zeros', () => assert.equal(GENESIS_HASH, '0'.repeat(64)));
});

describe('normalizeDetails', () => {
  it('keeps JSON values only, as a reader will get them back', () => {
    assert.deepEqual(normalizeDetails({ at: new Date('2026-01-01T00:00:00Z'), gone: undefined, n: 1 }), {
      at: '2026-01-01T00:00:00.000Z',
      n: 1,
    });
  });
});
