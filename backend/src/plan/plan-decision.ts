/**
 * One evaluation's verdict from its gates (issue 12), a pure function: fail beats hold beats advance;
 * a failure acts after `failAfter` failing evaluations in a row (one spike does not roll back), a
 * confirmed critical breach at once; no traffic only ever holds.
 */
import type { GateResult, OnFailure, PlanAction, PlanStage } from './plan-types.js';

export interface DecisionContext {
  stageIndex: number;
  stages: readonly PlanStage[];
  onFailure: OnFailure;
  failAfter: number;
  /** Failing evaluations in a row before this one. */
  failingStreak: number;
}

export interface Verdict {
  action: PlanAction;
  /** all_gates_pass, completed, bake_time, gate_failing:fallback_rate (counting), gate_failed:fallback_rate, … */
  reason: string;
  /** The failing streak after this evaluation (0 unless a gate failed and nothing acted yet). */
  failingStreak: number;
  /** The gate(s) behind the verdict. */
  decidedBy: string[];
}

/** What a failure does at this stage: at the shadow stage (nothing on AWF) and at the first stage, `previous` cannot step back to a percent. */
export function failureAction(context: DecisionContext): PlanAction {
  const stage = context.stages[context.stageIndex];
  if (stage?.percent === 'shadow') return 'pause';
  if (context.onFailure === 'previous' && context.stageIndex === 0) return 'rollback';
  return context.onFailure === 'rollback' ? 'rollback' : context.onFailure;
}

/** The SLO gates' hold when AWF breaches a threshold but legacy is as bad in the same window. */
const AWF_NO_WORSE_THAN_LEGACY = 'awf_no_worse_than_legacy';

export function decide(gates: readonly GateResult[], context: DecisionContext): Verdict {
  const noTraffic = gates.find((gate) => gate.reason === 'no_traffic');
  const failing = gates.filter((gate) => gate.status === 'fail');
  if (failing.length > 0 && !noTraffic) {
    const critical = failing.find((gate) => gate.critical);
    const streak = context.failingStreak + 1;
    const first = critical ?? (failing[0] as GateResult);
    if (critical || streak >= context.failAfter) {
      return {
        action: failureAction(context),
        reason: first.reason ?? `gate_failed:${first.name}`,
        failingStreak: 0,
        decidedBy: failing.map((gate) => gate.name),
      };
    }
    return {
      action: 'hold',
      reason: (first.reason ?? `gate_failed:${first.name}`).replace('gate_failed:', 'gate_failing:'),
      failingStreak: streak,
      decidedBy: failing.map((gate) => gate.name),
    };
  }
  // A fault both pipelines show alike explains a critical alert it fired: say so rather than "alert open".
  const hold =
    gates.find((gate) => gate.status === 'hold' && gate.reason === AWF_NO_WORSE_THAN_LEGACY) ??
    gates.find((gate) => gate.status === 'hold');
  if (hold) {
    return { action: 'hold', reason: hold.reason ?? hold.name, failingStreak: 0, decidedBy: [hold.name] };
  }
  const isLast = context.stageIndex >= context.stages.length - 1;
  return {
    action: 'advance',
    reason: isLast ? 'completed' : 'all_gates_pass',
    failingStreak: 0,
    decidedBy: gates.filter((gate) => gate.status === 'pass').map((gate) => gate.name),
  };
}
