/**
 * Canonical JSON (RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as ECMAScript's JSON.stringify writes them. Same value → same bytes, which is what
 * byte-identical bundles and the audit hash chain rely on.
 */
export function canonicalJson(value: unknown): string {
  if (value instanceof CanonicalFragment) return value.json;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError('canonical JSON cannot encode a non-finite number');
    }
    const encoded = JSON.stringify(value);
    if (encoded === undefined) throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
    return encoded;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
}

/**
 * A value already written as canonical JSON, inserted verbatim where it appears in a larger value:
 * static parts (the content of a bundle) are canonicalized once and reused, instead of having their
 * keys sorted again for every document they are part of.
 */
export class CanonicalFragment {
  /** `canonicalJson(value)`, computed once. */
  readonly json: string;
  /** Its length in UTF-8 bytes, computed once. */
  readonly bytes: number;
  constructor(value: unknown) {
    this.json = canonicalJson(value);
    this.bytes = Buffer.byteLength(this.json, 'utf8');
  }
}

/**
 * `Buffer.byteLength(canonicalJson(value), 'utf8')` without building the text: fragments count their
 * stored size. Measuring a whole bundle's text made V8 flatten and scan all of it, its static parts
 * included, on every turn; UTF-8 lengths add up piece by piece because JSON.stringify never splits a
 * surrogate pair.
 */
export function canonicalJsonBytes(value: unknown): number {
  if (value instanceof CanonicalFragment) return value.bytes;
  if (value === null || typeof value !== 'object') return Buffer.byteLength(canonicalJson(value), 'utf8');
  if (Array.isArray(value)) {
    // Brackets and the commas between items (a hole writes nothing but still has its comma).
    let bytes = 2 + Math.max(value.length - 1, 0);
    for (let i = 0; i < value.length; i++) if (i in value) bytes += canonicalJsonBytes(value[i] ?? null);
    return bytes;
  }
  const record = value as Record<string, unknown>;
  let members = 0;
  let bytes = 2;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child === undefined) continue;
    members += 1;
    // The quoted key, its colon, and the value.
    bytes += Buffer.byteLength(JSON.stringify(key), 'utf8') + 1 + canonicalJsonBytes(child);
  }
  return bytes + Math.max(members - 1, 0);
}
