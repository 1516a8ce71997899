/**
 * Canonical JSON (RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as ECMAScript's JSON.stringify writes them. Same value → same bytes, which is what
 * byte-identical bundles and the audit hash chain rely on.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return canonicalScalar(value);
  if (value instanceof CanonicalFragment) return value.json;
  // Loops and string appends rather than entries/filter/sort/map/join: a bundle's per-turn parts go
  // through here on every AWF turn, and the intermediate arrays were most of the cost.
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) json += ',';
      json += canonicalJson(value[i] ?? null);
    }
    return `${json}]`;
  }
  const object = value as Record<string, unknown>;
  // The default sort orders by UTF-16 code units, as RFC 8785 asks.
  const keys = Object.keys(object).sort();
  let json = '{';
  let first = true;
  for (const key of keys) {
    const child = object[key];
    if (child === undefined) continue;
    if (!first) json += ',';
    first = false;
    json += `${JSON.stringify(key)}:${canonicalJson(child)}`;
  }
  return `${json}}`;
}

function canonicalScalar(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError('canonical JSON cannot encode a non-finite number');
  }
  const encoded = JSON.stringify(value);
  if (encoded === undefined) throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
  return encoded;
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
  /** `written`: the value's canonical JSON and size, already known (see {@link CanonicalFragment.array}). */
  constructor(value: unknown, written?: { json: string; bytes: number }) {
    this.json = written ? written.json : canonicalJson(value);
    this.bytes = written ? written.bytes : Buffer.byteLength(this.json, 'utf8');
  }

  /** An array of fragments as one fragment, its items neither written nor measured again. */
  static array(items: readonly CanonicalFragment[]): CanonicalFragment {
    let json = '[';
    let bytes = 2 + Math.max(items.length - 1, 0);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as CanonicalFragment;
      if (i > 0) json += ',';
      json += item.json;
      bytes += item.bytes;
    }
    return new CanonicalFragment(undefined, { json: `${json}]`, bytes });
  }
}

/**
 * `canonicalJson(value)` of an object and its size in UTF-8 bytes, without measuring the whole text:
 * fragments count their stored size and only the other members are measured. Measuring a whole bundle
 * made V8 flatten and scan all of it, static parts included, on every turn; UTF-8 sizes add up piece by
 * piece because JSON.stringify never splits a surrogate pair.
 */
export function canonicalJsonSized(value: Record<string, unknown>): { json: string; bytes: number } {
  let json = '{';
  let bytes = 2;
  let members = 0;
  for (const key of Object.keys(value).sort()) {
    const child = value[key];
    if (child === undefined) continue;
    const name = JSON.stringify(key);
    const member = canonicalJson(child);
    const size = child instanceof CanonicalFragment ? child.bytes : Buffer.byteLength(member, 'utf8');
    if (members > 0) json += ',';
    json += `${name}:${member}`;
    bytes += Buffer.byteLength(name, 'utf8') + 1 + size;
    members += 1;
  }
  return { json: `${json}}`, bytes: bytes + Math.max(members - 1, 0) };
}
