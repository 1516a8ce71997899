/**
 * Latency recording: the SLO sketch against prom-client's Summary (plain and windowed), its Histogram
 * and hdr-histogram-js — cost per observation, p95 error on log-normal and bimodal data, and the
 * merge of 8 instances (each recorder's own merge; for Summary, averaging per-instance p95s, as a
 * dashboard over Summaries must).
 */
import * as hdr from 'hdr-histogram-js';
import { Histogram, Summary } from 'prom-client';
import { seededRandom } from '../src/shared/seeded-random.js';
import { LatencySketch } from '../src/slos/latency-sketch.js';
import { type BenchResult, interleave, median, ratioResult } from './harness.js';

const INSTANCES = 8;
const SEED = 20_260_101;
/** Prometheus' default buckets, in ms. */
const HISTOGRAM_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

type Sample = { values: Float64Array; instanceOf: Uint8Array };

/** 98 % log-normal around 1200 ms + 2 % uniform 5–20 s, the slow tail landing unevenly on instances. */
function logNormalSample(size: number): Sample {
  const random = seededRandom(SEED);
  const values = new Float64Array(size);
  const instanceOf = new Uint8Array(size);
  const tailWeights = [1, 1, 1, 2, 2, 4, 6, 8];
  const tailTotal = tailWeights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < size; i++) {
    if (random.next() < 0.98) {
      values[i] = 1200 * Math.exp(0.5 * random.normal());
      instanceOf[i] = random.int(INSTANCES);
    } else {
      values[i] = 5000 + 15000 * random.next();
      let pick = random.next() * tailTotal;
      let instance = 0;
      while (pick >= (tailWeights[instance] as number)) pick -= tailWeights[instance++] as number;
      instanceOf[i] = instance;
    }
  }
  return { values, instanceOf };
}

/** Two modes: 90 % cache hits around 40 ms, 10 % model calls around 2400 ms (the p95 sits in the gap's far side). */
function bimodalSample(size: number): Sample {
  const random = seededRandom(SEED + 1);
  const values = new Float64Array(size);
  const instanceOf = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    values[i] =
      random.next() < 0.9 ? 40 * Math.exp(0.3 * random.normal()) : 2400 * Math.exp(0.4 * random.normal());
    instanceOf[i] = random.int(INSTANCES);
  }
  return { values, instanceOf };
}

function exactP95(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
async function histogramP95(histogram: Histogram): Promise<number> {
  const { values } = await histogram.get();
  const buckets = values
    .filter((value) => value.metricName?.endsWith('_bucket'))
    .map((value) => ({
      le: value.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(value.labels.le),
      count: value.value,
    }));
  const total = buckets.at(-1)?.count ?? 0;
  const rank = 0.95 * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerLe;
      return lowerLe + ((bucket.le - lowerLe) * (rank - lowerCount)) / (bucket.count - lowerCount || 1);
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}

async function summaryP95(summary: Summary): Promise<number> {
  const { values } = await summary.get();
  const p95 = values.find((value) => value.labels.quantile === 0.95);
  if (!p95) throw new Error('the Summary has no 0.95 quantile');
  return p95.value;
}

let metricId = 0;
const recorders = {
  sketch: () => new LatencySketch(),
  summaryPlain: () =>
    new Summary({ name: `bench_s_${metricId++}`, help: 'plain', percentiles: [0.95], registers: [] }),
  summaryWindowed: () =>
    new Summary({
      name: `bench_w_${metricId++}`,
      help: 'windowed',
      percentiles: [0.95],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers: [],
    }),
  histogram: () =>
    new Histogram({ name: `bench_h_${metricId++}`, help: 'h', buckets: HISTOGRAM_BUCKETS_MS, registers: [] }),
  hdr: () =>
    hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000,
      numberOfSignificantValueDigits: 2,
    }),
};
type RecorderName = keyof typeof recorders;

function record(name: RecorderName, recorder: unknown, value: number): void {
  if (name === 'sketch') (recorder as LatencySketch).add(value);
  else if (name === 'hdr') (recorder as hdr.Histogram).recordValue(Math.round(value));
  else (recorder as Summary | Histogram).observe(value);
}

async function p95Of(name: RecorderName, recorder: unknown): Promise<number> {
  if (name === 'sketch') return (recorder as LatencySketch).quantile(0.95) ?? Number.NaN;
  if (name === 'hdr') return (recorder as hdr.Histogram).getValueAtPercentile(95);
  if (name === 'histogram') return histogramP95(recorder as Histogram);
  return summaryP95(recorder as Summary);
}

const LABEL: Record<RecorderName, string> = {
  sketch: 'sketch',
  summaryPlain: 'prom-client Summary',
  summaryWindowed: 'prom-client Summary (maxAge 600 s, 5 buckets)',
  histogram: 'prom-client Histogram (default buckets)',
  hdr: 'hdr-histogram-js (2 digits)',
};

const relativeError = (estimate: number, exact: number) => Math.abs(estimate - exact) / exact;
/** An error floor for ratios: below 0.01 % two recorders are equally exact for an SLO. */
const ERROR_FLOOR = 0.0001;

export async function latencyRecordBench(options: { rounds: number; size: number }): Promise<BenchResult[]> {
  const logNormal = logNormalSample(options.size);
  const results: BenchResult[] = [];
  const names = Object.keys(recorders) as RecorderName[];

  // Cost per observation, every recorder once per round.
  const costOf = (name: RecorderName) => () => {
    const recorder = recorders[name]();
    const started = process.hrtime.bigint();
    for (let i = 0; i < logNormal.values.length; i++) record(name, recorder, logNormal.values[i] as number);
    return Number(process.hrtime.bigint() - started) / logNormal.values.length;
  };
  for (const name of names) costOf(name)(); // JIT warm-up
  const cost = await interleave(
    options.rounds,
    Object.fromEntries(names.map((name) => [name, costOf(name)])),
  );
  for (const name of names.filter((n) => n !== 'sketch')) {
    results.push(
      ratioResult(`latency record vs ${LABEL[name]}`, cost.sketch as number[], cost[name] as number[], {
        unit: 'ns/observation',
        better: 'lower',
        ...(name === 'summaryPlain' ? { goal: 20 } : {}),
      }),
    );
  }

  // p95 error on each distribution, and the 8-instance merge.
  for (const [label, sample] of [
    ['log-normal', logNormal],
    ['bimodal', bimodalSample(options.size)],
  ] as const) {
    const exact = exactP95(sample.values);
    const errors: Record<string, number> = {};
    for (const name of names) {
      const recorder = recorders[name]();
      for (let i = 0; i < sample.values.length; i++) record(name, recorder, sample.values[i] as number);
      errors[name] = relativeError(await p95Of(name, recorder), exact);
    }
    for (const name of names.filter((n) => n !== 'sketch')) {
      const project = Math.max(errors.sketch as number, ERROR_FLOOR);
      const baseline = Math.max(errors[name] as number, ERROR_FLOOR);
      results.push({
        name: `p95 error, ${label}: sketch vs ${LABEL[name]}`,
        project: project * 100,
        baseline: baseline * 100,
        ratio: baseline / project,
        unit: '% p95 error',
      });
    }
  }

  // Merge of 8 instances (log-normal, tail uneven): sketches merge; hdr adds; Summaries can only be averaged.
  const exact = exactP95(logNormal.values);
  const perInstance = Array.from({ length: INSTANCES }, () => new LatencySketch());
  const perHdr = Array.from({ length: INSTANCES }, () => recorders.hdr());
  for (let i = 0; i < logNormal.values.length; i++) {
    const value = logNormal.values[i] as number;
    perInstance[logNormal.instanceOf[i] as number]?.add(value);
    perHdr[logNormal.instanceOf[i] as number]?.recordValue(Math.round(value));
  }
  const merged = new LatencySketch();
  for (const instance of perInstance) merged.mergeEncoded(instance.encode());
  const mergedHdr = recorders.hdr();
  for (const instance of perHdr) mergedHdr.add(instance);
  const sketchError = Math.max(relativeError(merged.quantile(0.95) ?? Number.NaN, exact), ERROR_FLOOR);
  const averaged = median(perInstance.map((instance) => instance.quantile(0.95) ?? 0)); // a dashboard's "typical" p95
  const meanP95 = perInstance.reduce((sum, instance) => sum + (instance.quantile(0.95) ?? 0), 0) / INSTANCES;
  const averagedError = relativeError(meanP95, exact);
  const hdrError = Math.max(relativeError(mergedHdr.getValueAtPercentile(95), exact), ERROR_FLOOR);
  results.push(
    {
      name: `merge of ${INSTANCES} instances: sketch merge vs averaging per-instance p95s (Summary)`,
      project: sketchError * 100,
      baseline: averagedError * 100,
      ratio: averagedError / sketchError,
      unit: '% p95 error',
      goal: 1,
      met: averagedError / sketchError >= 1,
      note: `median of per-instance p95s ${averaged.toFixed(0)} ms, exact ${exact.toFixed(0)} ms`,
    },
    {
      name: `merge of ${INSTANCES} instances: sketch merge vs hdr-histogram-js add`,
      project: sketchError * 100,
      baseline: hdrError * 100,
      ratio: hdrError / sketchError,
      unit: '% p95 error',
    },
  );
  for (const instance of [...perHdr, mergedHdr]) instance.destroy();
  return results;
}
