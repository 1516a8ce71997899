import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRouter, environmentSnapshot } from '../rollout/route-decision.js';
import { createSimulatedPlayers, RETURNING_PLAYERS } from './population.js';
import { HEALTHY } from './scenarios.js';
import { simRandom } from './sim-random.js';
import { drawRatings, drawTurnBatch, SYNTHETIC_FALLBACK_REASON } from './synthetic-turns.js';

describe('drawTurnBatch()', () => {
  it('draws the healthy AWF rates (fallback 0.3 %, retry 2 %) within their 99.9 % ranges over 200 000 turns', () => {
    const random = simRandom(11);
    let turns = 0;
    let fallbacks = 0;
    let retries = 0;
    for (let i = 0; i < 200; i++) {
      const batch = drawTurnBatch(random, 'awf', 1_000, HEALTHY);
      turns += batch.turns;
      fallbacks += batch.fallbacks;
      retries += batch.retries;
      assert.equal(batch.latenciesMs.length, batch.turns);
      assert.deepEqual(
        Object.keys(batch.fallbackReasons),
        batch.fallbacks > 0 ? [SYNTHETIC_FALLBACK_REASON] : [],
      );
    }
    // 3.29 standard deviations either side: a 99.9 % range for a binomial count.
    const within = (count: number, p: number) =>
      Math.abs(count - turns * p) <= 3.29 * Math.sqrt(turns * p * (1 - p));
    assert.ok(within(fallbacks, 0.003), `fallbacks ${fallbacks} of ${turns}`);
    assert.ok(within(retries, 0.02), `retries ${retries} of ${turns}`);
  });

  it('counts an outage as AWF turns that failed and fell back (legacy_unavailable), and legacy ones that failed only', () => {
    const random = simRandom(3);
    const outage = { ...HEALTHY, failedPct: 100 };
    const awf = drawTurnBatch(random, 'awf', 50, outage);
    assert.deepEqual([awf.turns, awf.failures, awf.fallbacks], [50, 50, 50]);
    assert.deepEqual(awf.fallbackReasons, { legacy_unavailable: 50 });
    const legacy = drawTurnBatch(random, 'legacy', 50, outage);
    assert.deepEqual([legacy.turns, legacy.failures, legacy.fallbacks], [50, 50, 0]);
    // Refused connections fail fast: every latency is the failed one's (median 300 ms), far below an answer's.
    assert.ok(Array.from(legacy.latenciesMs).every((ms) => ms < 1_500));
  });

  it('never gives legacy turns a fallback', () => {
    const batch = drawTurnBatch(simRandom(5), 'legacy', 10_000, { ...HEALTHY, fallbackPct: 50 });
    assert.equal(batch.fallbacks, 0);
  });
});

describe('drawRatings()', () => {
  it('rates about 2 % of answered turns, 10 % of them down, per answering pipeline', () => {
    const random = simRandom(9);
    const behaviour = { ratedPct: 2, downPct: 10 };
    let rated = 0;
    let down = 0;
    for (let i = 0; i < 100; i++) {
      for (const sample of drawRatings(
        random,
        { awf: 1_000, legacy: 0 },
        { awf: behaviour, legacy: behaviour },
      )) {
        assert.equal(sample.pipeline, 'awf');
        rated += sample.up + sample.down;
        down += sample.down;
        assert.equal(sample.downReasons.incoherent ?? 0, sample.down);
      }
    }
    // 100 000 answered turns: 2 000 ± 3.29·√(1 960) ratings; the down share of those within its 99.9 % range.
    assert.ok(Math.abs(rated - 2_000) <= 3.29 * Math.sqrt(1_960), `rated ${rated}`);
    assert.ok(Math.abs(down - rated * 0.1) <= 3.29 * Math.sqrt(rated * 0.09), `down ${down} of ${rated}`);
  });
});

describe('createSimulatedPlayers()', () => {
  it('routes by the real router: about 5 % of players and of new sessions at 5 %, all at 100 %, none with the flag off', () => {
    let snapshot = environmentSnapshot(true, 5);
    const router = createRouter({
      switches: { emergencyFallback: false, legacyTurnEnabled: false },
      snapshot: () => snapshot,
    });
    const players = createSimulatedPlayers(router, () => snapshot, { seed: 1 });
    // Each player's bucket is a hash: the shares are binomial proportions around 5 % (99.9 % ranges).
    const range = (n: number) => 3.29 * Math.sqrt((0.05 * 0.95) / n);
    assert.ok(Math.abs(players.awfShare() - 0.05) <= range(RETURNING_PLAYERS), `share ${players.awfShare()}`);
    let awf = 0;
    for (let i = 0; i < 20_000; i++) {
      const route = players.routeNewSession();
      assert.equal(route.isBucketed, true);
      if (route.pipeline === 'awf') awf += 1;
    }
    assert.ok(Math.abs(awf / 20_000 - 0.05) <= range(20_000), `new sessions on AWF ${awf}`);
    snapshot = environmentSnapshot(true, 100);
    assert.equal(players.awfShare(), 1);
    snapshot = environmentSnapshot(false, 100);
    assert.equal(players.awfShare(), 0);
    assert.deepEqual(players.routeNewSession(), { pipeline: 'legacy', isBucketed: false });
  });
});
