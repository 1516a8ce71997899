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
  constructor(value: unknown) {
    this.json = canonicalJson(value);
  }
}
