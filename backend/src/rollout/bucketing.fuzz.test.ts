import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { murmurhash3_x86_32 } from '../shared/murmurhash3.js';
import { BUCKETS, bucketOf, isBucketEnabled } from './route-decision.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** Seeded and bounded: the same cases on every run. */
const RUNS = { seed: 14, numRuns: 500 } as const;

/** A percentage as the rollout stores it: 0-100 with at most two decimals. */
const percent = fc.integer({ min: 0, max: 10_000 }).map((hundredths) => hundredths / 100);
/** Player keys: any string, including astral characters, lone surrogates and the empty string. */
const key = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('bucketing (bucketOf, isBucketEnabled) under property-based fuzzing', () => {
  it('is monotonic in percent: a player in AWF at p stays in AWF at every q ≥ p', () => {
    fc.assert(
      fc.property(key, percent, percent, (subject, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const bucket = bucketOf(subject);
        if (isBucketEnabled(bucket, low)) assert.ok(isBucketEnabled(bucket, high), `${low} → ${high}`);
      }),
      RUNS,
    );
  });

  it('puts every key in a bucket 0-9999 equal to murmur3("awf:" + key) mod 10000; 0 % is nobody, 100 % everybody', () => {
    fc.assert(
      fc.property(key, (subject) => {
        const bucket = bucketOf(subject);
        assert.ok(Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS);
        assert.equal(bucket, murmurhash3_x86_32(`awf:${subject}`, 0) % 10_000);
        assert.equal(isBucketEnabled(bucket, 0), false);
        assert.equal(isBucketEnabled(bucket, 100), true);
      }),
      RUNS,
    );
  });

  it('gives the same buckets in another process', () => {
    const keys = fc.sample(key, { seed: RUNS.seed, numRuns: 300 });
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { bucketOf } from ${JSON.stringify(path.join(ROOT, 'backend/src/rollout/route-decision.ts'))};
         let input = '';
         process.stdin.on('data', (chunk) => { input += chunk; });
         process.stdin.on('end', () => { process.stdout.write(JSON.stringify(JSON.parse(input).map(bucketOf))); });`,
      ],
      { cwd: ROOT, input: JSON.stringify(keys), encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), keys.map(bucketOf));
  });
});
