import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens look like `awf_<12 hex id>_<43 base64url secret>`. The id finds the row; the SHA-256 of the
 * whole token is what is stored and compared (in constant time).
 */
const TOKEN_PATTERN = /^awf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewToken {
  id: string;
  /** Shown once, never stored. */
  token: string;
  hash: string;
}

export function generateToken(): NewToken {
  const id = randomBytes(6).toString('hex');
  const token = `awf_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

/** The token's id, or undefined when it is not shaped like one of ours. */
export function tokenIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex SHA-256 digests. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  if (left.length !== 32 || right.length !== 32) return false;
  return timingSafeEqual(left, right);
}
