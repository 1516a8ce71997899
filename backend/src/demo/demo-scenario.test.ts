import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlanDecision } from '../plan/plan-types.js';
import { decisionLine } from './demo-scenario.js';

const STAGES = [5, 25, 50, 100];

function decision(fields: Partial<PlanDecision>): PlanDecision {
  return {
    id: 'd-1',
    at: '2026-12-01T00:00:00.000Z',
    stage: 0,
    stagePercent: 5,
    action: 'hold',
    reason: 'bake_time',
    evidence: {},
    ...fields,
  };
}

describe('decisionLine()', () => {
  it('names the step an advance takes, and the completion at the last stage', () => {
    assert.equal(
      decisionLine(decision({ action: 'advance', reason: 'all_gates_pass', auditSeq: 8 }), STAGES),
      'plan: ✔ advance 5 % -> 25 % (all_gates_pass, audit #8)',
    );
    assert.equal(
      decisionLine(
        decision({ action: 'advance', reason: 'completed', stage: 3, stagePercent: 100, auditSeq: 20 }),
        STAGES,
      ),
      'plan: ✔ completed at 100 % (completed, audit #20)',
    );
  });

  it('gives a hold and a rollback the words of the gates that decided them, from the recorded evidence', () => {
    const evidence = {
      gates: [
        { name: 'bake', status: 'hold', summary: 'baked 5s of 1m' },
        { name: 'slo:fallback_rate', status: 'fail', summary: 'lower 95 % bound above 15 %' },
        { name: 'switches', status: 'pass', summary: 'global flag on' },
      ],
      verdict: { decidedBy: ['slo:fallback_rate'] },
    };
    assert.equal(
      decisionLine(
        decision({ stage: 2, stagePercent: 50, evidence: { ...evidence, verdict: { decidedBy: ['bake'] } } }),
        STAGES,
      ),
      'plan: … hold at 50 % (bake_time): bake: baked 5s of 1m',
    );
    assert.equal(
      decisionLine(
        decision({
          stage: 2,
          stagePercent: 50,
          action: 'rollback',
          reason: 'gate_failed:fallback_rate',
          auditSeq: 15,
          evidence,
        }),
        STAGES,
      ),
      'plan: ✘ roll back 50 % -> 0 % (gate_failed:fallback_rate, audit #15); evidence: slo:fallback_rate: lower 95 % bound above 15 %',
    );
  });
});
