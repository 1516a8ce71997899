/**
 * MurmurHash3 x86 32-bit over the UTF-8 bytes of a string. Used for rollout bucketing, so its
 * output is part of the product's contract: see the test vectors in murmurhash3.test.ts.
 *
 * Bucketing runs on every turn, so strings are encoded into one reused scratch buffer rather than a
 * fresh Buffer per call (JavaScript is single-threaded: nothing else touches it mid-hash).
 */
let scratch = new Uint8Array(256);

/** Write `text` as UTF-8 into the scratch buffer at `at`; returns the new end. Lone surrogates → U+FFFD. */
function writeUtf8(text: string, at: number): number {
  let end = at;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      scratch[end++] = code;
      continue;
    }
    if (code < 0x800) {
      scratch[end++] = 0xc0 | (code >> 6);
      scratch[end++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
        scratch[end++] = 0xf0 | (code >> 18);
        scratch[end++] = 0x80 | ((code >> 12) & 0x3f);
        scratch[end++] = 0x80 | ((code >> 6) & 0x3f);
        scratch[end++] = 0x80 | (code & 0x3f);
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    scratch[end++] = 0xe0 | (code >> 12);
    scratch[end++] = 0x80 | ((code >> 6) & 0x3f);
    scratch[end++] = 0x80 | (code & 0x3f);
  }
  return end;
}

/** Encode `prefix + text` as UTF-8 into the scratch buffer; returns the byte length. */
function encodeToScratch(prefix: string, text: string): number {
  const needed = (prefix.length + text.length) * 3;
  if (needed > scratch.length) scratch = new Uint8Array(Math.max(needed, scratch.length * 2));
  return writeUtf8(text, writeUtf8(prefix, 0));
}

export function murmurhash3_x86_32(text: string, seed = 0): number {
  const length = encodeToScratch('', text); // first: it may replace the scratch buffer
  return murmurhash3Bytes(scratch, length, seed);
}

/** The hash of `prefix + text` without building the concatenated string. */
export function murmurhash3Prefixed(prefix: string, text: string, seed = 0): number {
  const length = encodeToScratch(prefix, text); // first: it may replace the scratch buffer
  return murmurhash3Bytes(scratch, length, seed);
}

/** 2^32: `hash % UINT32_RANGE` is the hash itself. */
const UINT32_RANGE = 4294967296;

/**
 * `murmurhash3Prefixed(prefix, text, seed) % modulus`, reduced before it leaves the hash function: a
 * uint32 above 2^30 is a heap-allocated number in V8 once returned, a bucket below 10000 is not, so
 * bucketing allocates nothing.
 */
export function murmurhash3PrefixedMod(prefix: string, text: string, seed: number, modulus: number): number {
  const length = encodeToScratch(prefix, text); // first: it may replace the scratch buffer
  return murmurhash3BytesMod(scratch, length, seed, modulus);
}

/** MurmurHash3 x86 32 of the first `length` bytes. */
export function murmurhash3Bytes(bytes: Uint8Array, length: number, seed = 0): number {
  return murmurhash3BytesMod(bytes, length, seed, UINT32_RANGE);
}

/** MurmurHash3 x86 32 of the first `length` bytes, mod `modulus` (1 to 2^32). */
function murmurhash3BytesMod(bytes: Uint8Array, length: number, seed: number, modulus: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k =
      (bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: the reference algorithm falls through
    case 3:
      k ^= (bytes[tail + 2] as number) << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: the reference algorithm falls through
    case 2:
      k ^= (bytes[tail + 1] as number) << 8;
    case 1:
      k ^= bytes[tail] as number;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % modulus;
}
