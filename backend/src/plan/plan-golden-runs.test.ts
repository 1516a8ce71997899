import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGoldenSuiteProcess } from './golden-suite-process.js';
import { goldensGate } from './plan-gates.js';
import { createControllerGoldenRuns } from './plan-golden-runs.js';

const SERVED = { contentHash: 'c'.repeat(64), codeVersion: '0.1.0+abc' };

describe("the controller's own golden runs", () => {
  it('cannot run against an in-memory store: the attempt fails with the reason, retried only after 15 minutes', async () => {
    let now = Date.parse('2026-06-01T12:00:00.000Z');
    const launcher = createGoldenSuiteProcess({
      store: { databaseUrl: undefined, sqlitePath: ':memory:' },
      contentDir: 'backend/content',
    });
    assert.ok('unavailable' in launcher);
    const lines: string[] = [];
    const runs = createControllerGoldenRuns({
      launcher,
      clock: () => new Date(now),
      log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
    });
    const first = runs.ensure(SERVED);
    assert.equal(first.state, 'failed');
    assert.match(first.error ?? '', /in-memory/);
    now += 14 * 60_000;
    assert.equal(runs.ensure(SERVED), first);
    now += 60_000;
    const retried = runs.ensure(SERVED);
    assert.notEqual(retried, first);
    assert.equal(retried.startedAt, new Date(now).toISOString());
    await runs.settled();

    // The gate says why in its goldens_missing hold.
    const gate = goldensGate({
      nowMs: now,
      stageIndex: 0,
      stage: { percent: 5, bakeMs: 0, minSample: 1, approval: false },
      nextStage: undefined,
      stageStartedAtMs: 0,
      thresholds: { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 },
      switches: { globalEnabled: true, emergencyFallback: false, legacyTurnEnabled: false },
      openCriticalAlerts: [],
      goldens: { ...SERVED, runGoldens: true, run: null, controllerRun: retried },
      approvedBy: null,
    });
    assert.equal(gate.reason, 'goldens_missing');
    assert.match(gate.summary, /cannot run the golden suite/);
  });
});
