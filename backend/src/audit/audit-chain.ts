import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';

/** The `prevHash` of entry 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an entry that its hash covers, besides `prevHash` (DESIGN §4). */
export interface HashedFields {
  seq: number;
  id: string;
  actor: string;
  action: string;
  entity: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/** RFC 8785 canonical JSON of the hashed fields: the exact text that is hashed and stored. */
export function canonicalEntryText(fields: HashedFields): string {
  const { seq, id, actor, action, entity, details, createdAt } = fields;
  return canonicalJson({ seq, id, actor, action, entity, details, createdAt });
}

/** `sha256(prevHash ‖ canonical)` as lowercase hex; prevHash is the previous entry's hex hash. */
export function entryHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

/**
 * Details as they are stored: JSON values only (a Date becomes its ISO string, undefined members
 * vanish), so what was hashed is what a reader gets back.
 */
export function normalizeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(details);
  if (text === undefined || !text.startsWith('{')) throw new TypeError('audit details must be a JSON object');
  return JSON.parse(text) as Record<string, unknown>;
}
