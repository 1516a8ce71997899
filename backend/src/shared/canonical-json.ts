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
 * `canonicalJson(value)` of an object and its size in UTF-8 bytes, without measuring the whole text:
 * fragments count their stored size and only the other members are measured. Measuring a whole bundle
 * made V8 flatten and scan all of it, static parts included, on every turn; UTF-8 sizes add up piece by
 * piece because JSON.stringify never splits a surrogate pair.
 */
export function canonicalJsonSized(value: Record<string, unknown>): { json: string; bytes: number } {
  const members: string[] = [];
  let bytes = 2;
  const entries = Object.entries(value)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, child] of entries) {
    const name = JSON.stringify(key);
    const json = canonicalJson(child);
    const size = child instanceof CanonicalFragment ? child.bytes : Buffer.byteLength(json, 'utf8');
    members.push(`${name}:${json}`);
    bytes += Buffer.byteLength(name, 'utf8') + 1 + size;
  }
  return { json: `{${members.join(',')}}`, bytes: bytes + Math.max(members.length - 1, 0) };
}
