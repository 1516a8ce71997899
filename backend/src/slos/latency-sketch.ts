/**
 * A mergeable quantile sketch for latencies in the style of DDSketch (Masson, Rim & Lee, VLDB 2019):
 * values fall into logarithmic buckets `(γ^(i-1), γ^i]` with `γ = (1+α)/(1-α)`, so any quantile read
 * back is within relative error α of the true value at that rank. Two sketches merge by adding bucket
 * counts, which is exact: the merge of per-minute, per-instance sketches answers exactly as one sketch
 * fed every value would. Recording is one logarithm and one array increment.
 */

/** α: every quantile is within ±0.5 % of the true value at its rank. */
export const SKETCH_RELATIVE_ACCURACY = 0.005;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const INV_LOG_GAMMA = 1 / Math.log(GAMMA);
/** Values at or below this (in ms: 10 µs) count in the zero bucket and read back as 0. */
const MIN_INDEXABLE = 0.01;
/** Spare buckets allocated either side when the dense array grows, so growth is rare. */
const GROWTH_MARGIN = 128;
/** Version 1 of the encoding, which also pins α; a different α would be a new version. */
const ENCODING_VERSION = 1;

/** A DDSketch-style latency sketch; see the module comment. Not safe to share across threads. */
export class LatencySketch {
  /** Dense bucket counts; counts[k] is the bucket with index `offset + k`. */
  private counts: Float64Array = new Float64Array(0);
  private offset = 0;
  private zeroCount = 0;
  private total = 0;
  private sumOfValues = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = Number.NEGATIVE_INFINITY;

  /** How many values were added (or merged in). */
  get count(): number {
    return this.total;
  }

  get sum(): number {
    return this.sumOfValues;
  }

  get min(): number | undefined {
    return this.total === 0 ? undefined : this.minValue;
  }

  get max(): number | undefined {
    return this.total === 0 ? undefined : this.maxValue;
  }

  /** Records one value (a latency in ms). Negative and non-finite values are refused. */
  add(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      throw new RangeError(`a latency must be a finite number >= 0, got ${value}`);
    }
    this.total += 1;
    this.sumOfValues += value;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    if (value <= MIN_INDEXABLE) {
      this.zeroCount += 1;
      return;
    }
    this.addToBucket(Math.ceil(Math.log(value) * INV_LOG_GAMMA), 1);
  }

  /**
   * The value at quantile q (0–1) by nearest rank: the smallest recorded value v such that at least
   * q of all values are ≤ v, within relative error α, and never outside [min, max].
   * Undefined when the sketch is empty.
   */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`a quantile must be within [0, 1], got ${q}`);
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.total));
    // The extremes are kept exactly.
    if (rank === 1) return this.minValue;
    if (rank === this.total) return this.maxValue;
    let seen = this.zeroCount;
    if (seen >= rank) return this.clamp(0);
    for (let k = 0; k < this.counts.length; k++) {
      seen += this.counts[k] as number;
      if (seen >= rank) return this.clamp((2 * GAMMA ** (this.offset + k)) / (GAMMA + 1));
    }
    return this.maxValue;
  }

  /** Adds every value of `other` to this sketch. */
  merge(other: LatencySketch): void {
    if (other.total === 0) return;
    for (let k = 0; k < other.counts.length; k++) {
      const count = other.counts[k] as number;
      if (count > 0) this.addToBucket(other.offset + k, count);
    }
    this.absorbSummary(other.zeroCount, other.total, other.sumOfValues, other.minValue, other.maxValue);
  }

  /** Merges an encoded sketch (see `encode`) without building an intermediate one. */
  mergeEncoded(encoded: string): void {
    const reader = new ByteReader(Buffer.from(encoded, 'base64'));
    const version = reader.byte();
    if (version !== ENCODING_VERSION) throw new Error(`unknown latency sketch encoding version ${version}`);
    const min = reader.float64();
    const max = reader.float64();
    const sum = reader.float64();
    const zeroCount = reader.varint();
    const buckets = reader.varint();
    let total = zeroCount;
    let index = 0;
    for (let b = 0; b < buckets; b++) {
      index = b === 0 ? reader.zigzag() : index + reader.varint();
      const count = reader.varint();
      this.addToBucket(index, count);
      total += count;
    }
    if (!reader.isAtEnd()) throw new Error('latency sketch encoding has trailing bytes');
    if (total > 0) this.absorbSummary(zeroCount, total, sum, min, max);
  }

  /**
   * A compact base64 string: version, min, max, sum, zero count, then the non-empty buckets as
   * (index delta, count) varints. About 2–4 bytes per occupied bucket.
   */
  encode(): string {
    const writer = new ByteWriter();
    writer.byte(ENCODING_VERSION);
    writer.float64(this.total === 0 ? 0 : this.minValue);
    writer.float64(this.total === 0 ? 0 : this.maxValue);
    writer.float64(this.sumOfValues);
    writer.varint(this.zeroCount);
    let buckets = 0;
    for (const count of this.counts) if (count > 0) buckets += 1;
    writer.varint(buckets);
    let previous: number | undefined;
    for (let k = 0; k < this.counts.length; k++) {
      const count = this.counts[k] as number;
      if (count === 0) continue;
      const index = this.offset + k;
      if (previous === undefined) writer.zigzag(index);
      else writer.varint(index - previous);
      writer.varint(count);
      previous = index;
    }
    return writer.toBuffer().toString('base64');
  }

  /** A sketch from `encode()` output. */
  static decode(encoded: string): LatencySketch {
    const sketch = new LatencySketch();
    sketch.mergeEncoded(encoded);
    return sketch;
  }

  private absorbSummary(zeroCount: number, total: number, sum: number, min: number, max: number): void {
    this.zeroCount += zeroCount;
    this.total += total;
    this.sumOfValues += sum;
    if (min < this.minValue) this.minValue = min;
    if (max > this.maxValue) this.maxValue = max;
  }

  private clamp(value: number): number {
    return Math.min(this.maxValue, Math.max(this.minValue, value));
  }

  private addToBucket(index: number, count: number): void {
    const k = index - this.offset;
    if (k >= 0 && k < this.counts.length) {
      this.counts[k] = (this.counts[k] as number) + count;
      return;
    }
    this.growToInclude(index);
    const grown = index - this.offset;
    this.counts[grown] = (this.counts[grown] as number) + count;
  }

  private growToInclude(index: number): void {
    if (this.counts.length === 0) {
      this.offset = index - GROWTH_MARGIN;
      this.counts = new Float64Array(2 * GROWTH_MARGIN);
      return;
    }
    const low = Math.min(this.offset, index - GROWTH_MARGIN);
    const high = Math.max(this.offset + this.counts.length, index + GROWTH_MARGIN);
    const grown = new Float64Array(high - low);
    grown.set(this.counts, this.offset - low);
    this.counts = grown;
    this.offset = low;
  }
}

class ByteWriter {
  private bytes: number[] = [];

  byte(value: number): void {
    this.bytes.push(value & 0xff);
  }

  /** An unsigned integer up to 2^53, 7 bits per byte. */
  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
  }

  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  float64(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeDoubleLE(value);
    for (const b of buffer) this.bytes.push(b);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

class ByteReader {
  private position = 0;

  constructor(private readonly buffer: Buffer) {}

  isAtEnd(): boolean {
    return this.position === this.buffer.length;
  }

  byte(): number {
    if (this.position >= this.buffer.length) throw new Error('latency sketch encoding is truncated');
    return this.buffer[this.position++] as number;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error('latency sketch encoding has an oversized varint');
    }
  }

  zigzag(): number {
    const raw = this.varint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  float64(): number {
    if (this.position + 8 > this.buffer.length) throw new Error('latency sketch encoding is truncated');
    const value = this.buffer.readDoubleLE(this.position);
    this.position += 8;
    return value;
  }
}
