import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince, parseTtl, resolveExpiry } from './expiry.js';

const now = new Date('2026-06-01T12:00:00.000Z');

describe('parseTtl', () => {
  it('reads seconds, minutes, hours and days', () => {
    assert.equal(parseTtl('90s'), 90_000);
    assert.equal(parseTtl('15m'), 900_000);
    assert.equal(parseTtl('24h'), 86_400_000);
    assert.equal(parseTtl('7d'), 604_800_000);
  });
  for (const bad of ['', '24', 'h', '0h', '-1h', '1.5h', '24 h', '1w', '3651d']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseTtl(bad), { code: 'INVALID_INPUT' }));
  }
});

describe('resolveExpiry', () => {
  it('adds --ttl to now', () => {
    assert.equal(resolveExpiry({ ttl: '24h' }, now)?.toISOString(), '2026-06-02T12:00:00.000Z');
  });
  it('reads --expires-at with a zone', () => {
    assert.equal(
      resolveExpiry({ expiresAt: '2026-07-01T02:00:00+02:00' }, now)?.toISOString(),
      '2026-07-01T00:00:00.000Z',
    );
  });
  it('is undefined with neither', () => assert.equal(resolveExpiry({}, now), undefined));
  it('refuses both, a zoneless time and a non-date', () => {
    assert.throws(() => resolveExpiry({ ttl: '1h', expiresAt: '2026-07-01T00:00:00Z' }, now), /not both/);
    assert.throws(() => resolveExpiry({ expiresAt: '2026-07-01T00:00:00' }, now), /ISO 8601/);
    assert.throws(() => resolveExpiry({ expiresAt: 'tomorrow' }, now), /ISO 8601/);
    assert.throws(() => resolveExpiry({ expiresAt: '2026-13-45T00:00:00Z' }, now), /ISO 8601/);
  });
});

describe('parseSince', () => {
  it('reads a duration back from now or an instant', () => {
    assert.equal(parseSince('1h', now).toISOString(), '2026-06-01T11:00:00.000Z');
    assert.equal(parseSince('2026-05-01T00:00:00Z', now).toISOString(), '2026-05-01T00:00:00.000Z');
    assert.throws(() => parseSince('yesterday', now), /--since/);
  });
});
