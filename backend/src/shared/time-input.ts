import { InvalidInputError } from './errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `24h`, `7d` → milliseconds (at most 3650 days). */
export function parseTtl(text: string, flag = '--ttl'): number {
  const match = /^(\d{1,7})([smhd])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!match || ms <= 0 || ms > 3650 * UNIT_MS.d) {
    throw new InvalidInputError(
      `${flag} must be a positive duration like 90s, 15m, 24h or 7d (at most 3650d), got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 date-time with a time zone (Z or ±hh:mm), e.g. 2026-07-01T00:00:00Z. A date that does
 * not exist (2099-02-30, 24:00, 12:60) is refused rather than rolled over into another day: its
 * fields must read back unchanged.
 */
export function parseIsoInstant(text: string, flag: string): Date {
  const trimmed = text.trim();
  const match = ISO_INSTANT.exec(trimmed);
  if (!match) {
    throw new InvalidInputError(
      `${flag} must be an ISO 8601 date-time with a zone, like 2026-07-01T00:00:00Z, got ${JSON.stringify(text)}`,
    );
  }
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = [
    match[1],
    match[2],
    match[3],
    match[4],
    match[5],
    match[6] ?? '0',
    match[8] ?? '0',
    match[9] ?? '0',
  ].map(Number) as [number, number, number, number, number, number, number, number];
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  const readsBack =
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second &&
    offsetHour <= 23 &&
    offsetMinute <= 59;
  const date = new Date(trimmed);
  if (!readsBack || Number.isNaN(date.getTime())) {
    throw new InvalidInputError(
      `${flag} ${JSON.stringify(text)} is not a real date-time (no such day, hour, minute or second)`,
    );
  }
  return date;
}

/** How one surface names the two expiry inputs in its messages: CLI flags or body fields. */
export interface ExpiryFieldNames {
  ttl: string;
  expiresAt: string;
}

/** The scripts' names (the default). */
export const CLI_EXPIRY_FIELDS: ExpiryFieldNames = { ttl: '--ttl', expiresAt: '--expires-at' };
/** The admin HTTP API's body fields. */
export const HTTP_EXPIRY_FIELDS: ExpiryFieldNames = { ttl: 'ttl', expiresAt: 'expiresAt' };

/** An instant from a ttl or an expiresAt (at most one), relative to `now`; messages use `names`. */
export function resolveExpiry(
  input: { ttl?: string | undefined; expiresAt?: string | undefined },
  now: Date,
  names: ExpiryFieldNames = CLI_EXPIRY_FIELDS,
): Date | undefined {
  if (input.ttl !== undefined && input.expiresAt !== undefined) {
    throw new InvalidInputError(`give ${names.ttl} or ${names.expiresAt}, not both`);
  }
  if (input.ttl !== undefined) return new Date(now.getTime() + parseTtl(input.ttl, names.ttl));
  if (input.expiresAt !== undefined) return parseIsoInstant(input.expiresAt, names.expiresAt);
  return undefined;
}

/** `--since`: a duration back from now (`24h`) or an ISO instant. */
export function parseSince(text: string, now: Date, flag = '--since'): Date {
  if (/^\d+[smhd]$/.test(text.trim())) return new Date(now.getTime() - parseTtl(text, flag));
  if (ISO_INSTANT.test(text.trim())) return parseIsoInstant(text, flag);
  // Neither shape: name both, since a duration is what most callers want.
  throw new InvalidInputError(
    `${flag} must be a duration like 90s, 15m, 24h or 7d, or an ISO 8601 date-time with a zone like 2026-07-01T00:00:00Z, got ${JSON.stringify(text)}`,
  );
}
