import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEntry } from '../audit/audit-types.js';
import { planStepPercent, replayFullRollout } from './rollout-history.js';

let seq = 0;
/** An audit entry as the log returns it; only seq, time, action and details matter here. */
function entry(at: string, action: string, details: Record<string, unknown>): AuditEntry {
  seq += 1;
  return {
    seq,
    id: `e${seq}`,
    actor: 'ops-1',
    action,
    entity: 'rollout',
    details,
    createdAt: at,
    prevHash: '',
    hash: '',
  };
}

describe('replayFullRollout()', () => {
  it('dates the run of 100 % with the flag on from the change that completed it', () => {
    const history = replayFullRollout([
      entry('2026-06-01T00:00:00.000Z', 'rollout.set', {
        previous: {},
        new: { globalEnabled: true, percent: 5 },
      }),
      entry('2026-06-08T00:00:00.000Z', 'rollout.percent.set', { previous: 5, new: 50 }),
      entry('2026-06-15T00:00:00.000Z', 'rollout.percent.set', { previous: 50, new: 100 }),
      entry('2026-06-16T00:00:00.000Z', 'rollout.shadow.set', { previous: 0, new: 10 }),
    ]);
    assert.equal(history.since, '2026-06-15T00:00:00.000Z');
    assert.deepEqual(history.replayed, { globalEnabled: true, percent: 100 });
    assert.equal(history.changes.length, 3);
  });

  it('restarts the run when the flag went off and on again, and ends it while the flag is off', () => {
    const on = [
      entry('2026-06-01T00:00:00.000Z', 'rollout.set', { new: { globalEnabled: true, percent: 100 } }),
      entry('2026-06-05T00:00:00.000Z', 'rollout.flag.set', { previous: true, new: false }),
    ];
    assert.equal(replayFullRollout(on).since, null);
    const again = [
      ...on,
      entry('2026-06-06T00:00:00.000Z', 'rollout.flag.set', { previous: false, new: true }),
    ];
    assert.equal(replayFullRollout(again).since, '2026-06-06T00:00:00.000Z');
  });

  it('a setting that repeats 100 % does not restart the run', () => {
    const history = replayFullRollout([
      entry('2026-06-01T00:00:00.000Z', 'rollout.set', { new: { globalEnabled: true, percent: 100 } }),
      entry('2026-06-03T00:00:00.000Z', 'rollout.percent.set', { previous: 100, new: 100 }),
    ]);
    assert.equal(history.since, '2026-06-01T00:00:00.000Z');
  });

  it('counts a plan step to 100 as the change, and a plan rollback as the end of the run', () => {
    const flagOn = entry('2026-06-01T00:00:00.000Z', 'rollout.set', {
      new: { globalEnabled: true, percent: 5 },
    });
    const advanced = entry('2026-06-10T00:00:00.000Z', 'plan.advanced', { stage: 4, stagePercent: 100 });
    assert.equal(replayFullRollout([flagOn, advanced]).since, '2026-06-10T00:00:00.000Z');
    const rolledBack = entry('2026-06-12T00:00:00.000Z', 'plan.rolled_back', { new: { percent: 0 } });
    assert.equal(replayFullRollout([flagOn, advanced, rolledBack]).since, null);
  });

  it('reads the plan’s own record of a percentage change (details.rollout.newPercent); completing moves nothing', () => {
    const history = replayFullRollout([
      entry('2026-06-01T00:00:00.000Z', 'rollout.flag.set', { previous: null, new: true }),
      entry('2026-06-02T00:00:00.000Z', 'plan.advanced', {
        previous: { state: 'running', stage: 2, version: 3 },
        new: { state: 'running', stage: 3, version: 4 },
        rollout: { previousPercent: 50, newPercent: 100, version: 9 },
      }),
      entry('2026-06-09T00:00:00.000Z', 'plan.completed', {
        previous: { state: 'running', stage: 3, version: 4 },
        new: { state: 'completed', stage: 3, version: 5 },
      }),
    ]);
    assert.equal(history.since, '2026-06-02T00:00:00.000Z');
    assert.deepEqual(history.replayed, { globalEnabled: true, percent: 100 });
  });

  it('a plan step that moved the percentage without saying to what restarts the run at its time (never a longer claim)', () => {
    const history = replayFullRollout(
      [
        entry('2026-06-01T00:00:00.000Z', 'rollout.set', { new: { globalEnabled: true, percent: 100 } }),
        entry('2026-06-09T00:00:00.000Z', 'plan.advanced', { note: 'stage 4' }),
      ],
      { globalEnabled: true, percent: 100 },
    );
    assert.equal(history.since, '2026-06-09T00:00:00.000Z');
    assert.equal(history.changes.at(-1)?.unreadable, true);
  });
});

describe('planStepPercent()', () => {
  it('finds the percentage under rollout.newPercent, new, new.percent, percent, toPercent or stagePercent, and not a shadow stage', () => {
    assert.equal(planStepPercent({ rollout: { previousPercent: 25, newPercent: 50 } }), 50);
    assert.equal(planStepPercent({ new: 25 }), 25);
    assert.equal(planStepPercent({ new: { percent: 50 } }), 50);
    assert.equal(planStepPercent({ percent: 5 }), 5);
    assert.equal(planStepPercent({ toPercent: 100 }), 100);
    assert.equal(planStepPercent({ stagePercent: 'shadow' }), undefined);
  });
});
