import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP_EXPIRY_FIELDS, parseIsoInstant, parseSince, parseTtl, resolveExpiry } from './time-input.js';

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
  it('names the fields as the surface does: flags by default, body fields for HTTP', () => {
    const both = { ttl: '1h', expiresAt: '2026-07-01T00:00:00Z' };
    assert.throws(() => resolveExpiry(both, now), { message: 'give --ttl or --expires-at, not both' });
    assert.throws(() => resolveExpiry(both, now, HTTP_EXPIRY_FIELDS), {
      message: 'give ttl or expiresAt, not both',
    });
    assert.throws(
      () => resolveExpiry({ ttl: 'soon' }, now, HTTP_EXPIRY_FIELDS),
      /^InvalidInputError: ttl must be/,
    );
    assert.throws(
      () => resolveExpiry({ expiresAt: 'tomorrow' }, now, HTTP_EXPIRY_FIELDS),
      /^InvalidInputError: expiresAt must be/,
    );
    for (const surface of [HTTP_EXPIRY_FIELDS]) {
      for (const input of [both, { ttl: 'soon' }, { expiresAt: '2099-02-30T00:00:00Z' }]) {
        assert.throws(
          () => resolveExpiry(input, now, surface),
          (error: Error) => !error.message.includes('--'),
        );
      }
    }
  });
  it('refuses both, a zoneless time and a non-date', () => {
    assert.throws(() => resolveExpiry({ ttl: '1h', expiresAt: '2026-07-01T00:00:00Z' }, now), /not both/);
    assert.throws(() => resolveExpiry({ expiresAt: '2026-07-01T00:00:00' }, now), /ISO 8601/);
    assert.throws(() => resolveExpiry({ expiresAt: 'tomorrow' }, now), /ISO 8601/);
    assert.throws(() => resolveExpiry({ expiresAt: '2026-13-45T00:00:00Z' }, now), /not a real date-time/);
  });
});

describe('parseIsoInstant', () => {
  it('reads a leap day and an instant with an offset', () => {
    assert.equal(parseIsoInstant('2028-02-29T00:00:00Z', '--x').toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(
      parseIsoInstant('2026-07-01T23:59:59.5-01:30', '--x').toISOString(),
      '2026-07-02T01:29:59.500Z',
    );
  });
  for (const impossible of [
    '2099-02-30T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-07-01T24:00:00Z',
    '2026-07-01T12:60:00Z',
    '2026-07-01T12:00:60Z',
    '2026-07-01T12:00:00+02:60',
  ]) {
    it(`rejects ${impossible}, a date-time that does not exist, instead of rolling it over`, () => {
      assert.throws(
        () => parseIsoInstant(impossible, '--expires-at'),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'INVALID_INPUT');
          assert.equal(
            error.message,
            `--expires-at "${impossible}" is not a real date-time (no such day, hour, minute or second)`,
          );
          return true;
        },
      );
    });
  }
});

describe('parseSince', () => {
  it('reads a duration back from now or an instant', () => {
    assert.equal(parseSince('1h', now).toISOString(), '2026-06-01T11:00:00.000Z');
    assert.equal(parseSince('2026-05-01T00:00:00Z', now).toISOString(), '2026-05-01T00:00:00.000Z');
    assert.throws(
      () => parseSince('yesterday', now),
      /^InvalidInputError: --since must be a duration like 90s, 15m, 24h or 7d, or an ISO 8601 date-time with a zone like 2026-07-01T00:00:00Z, got "yesterday"$/,
    );
    assert.throws(() => parseSince('2099-02-30T00:00:00Z', now), /is not a real date-time/);
  });
});
