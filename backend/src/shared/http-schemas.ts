/** JSON-schema pieces more than one capability's routes validate with. */

/** User, session and other subject ids, as the player API accepts them. */
export const SUBJECT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';

/** An optional expiry in a body: `ttl` (90s, 24h, 7d) or `expiresAt` (ISO 8601); see time-input.ts. */
export const EXPIRY_BODY_PROPERTIES = {
  ttl: { type: 'string', maxLength: 20 },
  expiresAt: { type: 'string', maxLength: 40 },
} as const;
