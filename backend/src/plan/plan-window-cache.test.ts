import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencySketch } from '../slos/latency-sketch.js';
import type { StoredMinute } from '../slos/slo-store.js';
import { readGateData, type WindowRange } from './plan-assessment.js';
import { RECENT_WINDOWS, type WindowData } from './plan-gates.js';
import { createGateWindowCache } from './plan-window-cache.js';

function row(minute: number, instanceId: string, pipeline: 'awf' | 'legacy', turns: number): StoredMinute {
  const sketch = new LatencySketch();
  for (let i = 0; i < turns; i++) sketch.add(100 + ((minute * 7 + i) % 900));
  return {
    minute,
    instanceId,
    pipeline,
    turns,
    retries: turns % 3,
    fallbacks: turns % 5,
    fallbackReasons: {},
    failures: 0,
    latencySketch: sketch.encode(),
    feedback: { up: 0, down: 0, downReasons: {} },
    newSessions: turns % 7,
  };
}

const summary = (window: WindowData) =>
  [window.awf, window.legacy].map((a) => [
    a.turns,
    a.retries,
    a.fallbacks,
    a.newSessions,
    a.latency.count,
    a.latency.quantile(0.95),
  ]);

describe('the controller window cache', () => {
  it('reads the same windows as a full read while the minutes grow and stages change', async () => {
    const rows: StoredMinute[] = [];
    const reader = {
      minutes: async (from: number, to: number) => rows.filter((r) => r.minute >= from && r.minute <= to),
    };
    const cache = createGateWindowCache(reader, 3);
    let stageFrom = 1000;
    for (let now = 1000; now < 1200; now++) {
      // Minutes arrive late by up to two minutes, from two instances.
      rows.push(row(now, 'a', 'awf', (now % 11) + 1), row(now, 'b', 'legacy', (now % 13) + 2));
      if (now >= 1002) rows.push(row(now - 2, 'late', 'awf', 4));
      if (now === 1090) stageFrom = 1091;
      const toMinute = now;
      const recent = Object.fromEntries(
        RECENT_WINDOWS.map((w) => [
          w,
          { fromMinute: Math.max(1000, toMinute - (w === '5m' ? 4 : 59)), toMinute },
        ]),
      ) as Record<(typeof RECENT_WINDOWS)[number], WindowRange>;
      const windows = { stage: { fromMinute: Math.min(stageFrom, toMinute), toMinute }, ...recent };
      const cached = await cache.read(windows);
      const full = await readGateData(reader, windows);
      assert.deepEqual(summary(cached.stage), summary(full.stage), `stage at ${now}`);
      assert.deepEqual(cached.stageNewSessions, full.stageNewSessions, `stage new sessions at ${now}`);
      for (const w of RECENT_WINDOWS)
        assert.deepEqual(summary(cached.recent[w]), summary(full.recent[w]), `${w} at ${now}`);
    }
  });
});
