import { InMemStorageProvider, Unleash } from 'unleash-client';
import { buildRolloutSnapshot } from '../src/rollout/canary-rollout.js';
import { createRouter, type RouteSubject } from '../src/rollout/route-decision.js';
import { murmurhash3_x86_32 } from '../src/shared/murmurhash3.js';
import { type BenchResult, interleave, nsPerCall, ratioResult } from './harness.js';

const KEYS = 4096;
const PERCENT = 25;

/** Unleash offline: bootstrapped with the same rollout as a flexibleRollout strategy, no server, no metrics. */
async function offlineUnleash(): Promise<Unleash> {
  const unleash = new Unleash({
    url: 'http://127.0.0.1:9/api/',
    appName: 'awf-bench',
    disableMetrics: true,
    refreshInterval: 0,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [
        {
          name: 'awf-bundle',
          enabled: true,
          strategies: [
            {
              name: 'flexibleRollout',
              parameters: { rollout: String(PERCENT), stickiness: 'userId', groupId: 'awf' },
            },
          ],
        } as never,
      ],
    },
  });
  unleash.on('error', () => {});
  await new Promise<void>((resolve) => unleash.once('ready', () => resolve()));
  return unleash;
}

/**
 * Bytes allocated per call of `body`, the least of 10 repetitions (needs --expose-gc; the semi-space
 * `npm run bench` sets is large enough that no scavenge runs inside a repetition).
 */
function bytesPerCall(iterations: number, body: (i: number) => unknown): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const kept: unknown[] = new Array(iterations).fill(null);
  let least = Number.POSITIVE_INFINITY;
  for (let repetition = 0; repetition < 11; repetition++) {
    kept.fill(null);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < iterations; i++) kept[i] = body(i);
    const after = process.memoryUsage().heapUsed;
    if (repetition > 0) least = Math.min(least, (after - before) / iterations); // the first warms up
  }
  return least;
}

/**
 * The routing decision (Router.decide over the live snapshot, as the turn path asks it) against
 * Unleash 6's isEnabled with the same flexibleRollout, offline, and a bare murmur3 of the same key.
 */
export async function decisionBench(options: { rounds: number; iterations: number }): Promise<BenchResult[]> {
  const subjects: RouteSubject[] = Array.from({ length: KEYS }, (_, i) => ({
    sessionId: `session-${i}`,
    userId: `user-${i}`,
  }));
  const contexts = subjects.map((subject) => ({
    userId: subject.userId as string,
    sessionId: subject.sessionId,
  }));
  const keys = subjects.map((subject) => `awf:${subject.userId}`);
  const snapshot = buildRolloutSnapshot(
    { globalEnabled: true, percent: PERCENT, version: 1, updatedAt: null, updatedBy: null, overrides: [] },
    { envGlobalFlag: undefined, envPercent: undefined, legacyTurnEnabled: false, emergencyFallback: false },
  );
  const router = createRouter({
    switches: { emergencyFallback: false, legacyTurnEnabled: false },
    snapshot: () => snapshot,
  });
  const unleash = await offlineUnleash();
  try {
    const mask = KEYS - 1;
    const decide = (i: number) => router.decide(subjects[i & mask] as RouteSubject);
    const unleashed = (i: number) => unleash.isEnabled('awf-bundle', contexts[i & mask]);
    const murmur = (i: number) => murmurhash3_x86_32(keys[i & mask] as string, 0) % 10_000 < PERCENT * 100;
    // The same answers, or the comparison is meaningless.
    for (let i = 0; i < KEYS; i++) {
      if ((decide(i).pipeline === 'awf') !== murmur(i))
        throw new Error(`decide and murmur3 disagree on key ${i}`);
    }
    for (const body of [decide, unleashed, murmur]) nsPerCall(options.iterations, body); // JIT warm-up
    const figures = await interleave(options.rounds, {
      decide: () => nsPerCall(options.iterations, decide),
      unleash: () => nsPerCall(Math.ceil(options.iterations / 10), unleashed),
      murmur: () => nsPerCall(options.iterations, murmur),
    });
    const results = [
      ratioResult(
        'decision vs unleash-client 6 isEnabled',
        figures.decide as number[],
        figures.unleash as number[],
        {
          unit: 'ns/decision',
          better: 'lower',
          goal: 8,
        },
      ),
      ratioResult(
        'decision vs bare murmur3 of the key',
        figures.decide as number[],
        figures.murmur as number[],
        {
          unit: 'ns/decision',
          better: 'lower',
          note: 'below 1: what deciding costs beyond hashing',
        },
      ),
    ];
    const decideBytes = bytesPerCall(100_000, decide);
    const resultBytes = bytesPerCall(100_000, (i) => ({
      pipeline: 'awf',
      reason: 'percent_bucket',
      bucket: i,
    }));
    const unleashBytes = bytesPerCall(100_000, unleashed);
    if (decideBytes !== undefined && resultBytes !== undefined && unleashBytes !== undefined) {
      results.push(
        {
          name: 'allocation per decision vs unleash-client 6',
          project: decideBytes,
          baseline: unleashBytes,
          ratio: unleashBytes / decideBytes,
          unit: 'bytes/decision',
          goal: 8,
          met: unleashBytes / decideBytes >= 8,
        },
        {
          name: 'allocation per decision beyond its result',
          project: decideBytes,
          baseline: resultBytes,
          ratio: decideBytes / resultBytes,
          unit: 'bytes/decision',
          goal: 1,
          goalIsMax: true,
          // Whole bytes: a decision allocating anything besides its result allocates at least 12 (a boxed number).
          met: decideBytes - resultBytes < 1,
          note: `baseline: the result object alone; goal 0 bytes beyond it (${(decideBytes - resultBytes).toFixed(2)} measured)`,
        },
      );
    }
    return results;
  } finally {
    unleash.destroy();
  }
}
