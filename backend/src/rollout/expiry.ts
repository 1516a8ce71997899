import { InvalidInputError } from '../shared/errors.js';

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

/** An ISO 8601 date-time with a time zone (Z or ±hh:mm), e.g. 2026-07-01T00:00:00Z. */
export function parseIsoInstant(text: string, flag: string): Date {
  const trimmed = text.trim();
  const shaped = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed);
  const date = new Date(trimmed);
  if (!shaped || Number.isNaN(date.getTime())) {
    throw new InvalidInputError(
      `${flag} must be an ISO 8601 date-time with a zone, like 2026-07-01T00:00:00Z, got ${JSON.stringify(text)}`,
    );
  }
  return date;
}

/** An instant from `--ttl` or `--expires-at` (at most one), relative to `now`. */
export function resolveExpiry(
  input: { ttl?: string | undefined; expiresAt?: string | undefined },
  now: Date,
): Date | undefined {
  if (input.ttl !== undefined && input.expiresAt !== undefined) {
    throw new InvalidInputError('give --ttl or --expires-at, not both');
  }
  if (input.ttl !== undefined) return new Date(now.getTime() + parseTtl(input.ttl));
  if (input.expiresAt !== undefined) return parseIsoInstant(input.expiresAt, '--expires-at');
  return undefined;
}

/** `--since`: a duration back from now (`24h`) or an ISO instant. */
export function parseSince(text: string, now: Date, flag = '--since'): Date {
  if (/^\d+[smhd]$/.test(text.trim())) return new Date(now.getTime() - parseTtl(text, flag));
  return parseIsoInstant(text, flag);
}
