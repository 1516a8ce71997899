/** The plan in words: `awf-plan.ts status` and `explain`. */

import type { ReplayResult } from './plan-assessment.js';
import { formatDuration } from './plan-gates.js';
import type { PlanView } from './plan-service.js';
import { describeStage } from './plan-transitions.js';
import type { GateResult, PlanDecision } from './plan-types.js';

const MARK: Record<GateResult['status'], string> = { pass: '✔', fail: '✘', hold: '…', skip: '-' };

export function formatPlanStatus(plan: PlanView | null): string[] {
  if (!plan) return ['no staged plan has been started (awf-plan.ts start --actor <you>)'];
  const stages = plan.stages
    .map((stage, index) => {
      const label = `${describeStage(stage.percent)}${stage.approval ? ' (approval)' : ''}`;
      return index === plan.currentStage ? `[${label}]` : label;
    })
    .join(' → ');
  const lines = [
    `plan ${plan.id} (version ${plan.version}): ${plan.state}${plan.stateReason ? ` — ${plan.stateReason}` : ''}`,
    `  started by ${plan.startedBy} at ${plan.startedAt}; on failure: ${plan.onFailure} after ${plan.failAfter} failing evaluations in a row (a confirmed critical breach at once)`,
    `  stages: ${stages}`,
    `  stage ${describeStage(plan.stages[plan.currentStage]?.percent)} since ${plan.stageStartedAt}: baked ${formatDuration(plan.bake.elapsedMs)} of ${formatDuration(plan.bake.requiredMs)}, ${plan.sample.awfTurns} of ${plan.sample.required} turns`,
    `  minimum sample: ${plan.sample.derivation.rule}`,
    `  goldens: ${plan.runGoldens ? 'the controller runs the suite itself when no run on this content and code exists (--run-goldens)' : 'an operator runs the suite (npm run awf:golden:test); start with --run-goldens to let the controller'}`,
    `  approval: ${plan.approval.required ? (plan.approval.approvedBy ? `given by ${plan.approval.approvedBy}` : 'needed before the next stage (a second actor: awf-plan.ts approve)') : 'not needed for the next stage'}`,
  ];
  if (plan.gates.length > 0) {
    lines.push('  gates:');
    for (const gate of plan.gates) lines.push(`    ${MARK[gate.status]} ${gate.name}: ${gate.summary}`);
  }
  if (plan.lastDecision) lines.push(`  last decision: ${formatDecisionLine(plan.lastDecision)}`);
  return lines;
}

export function formatDecisionLine(decision: PlanDecision): string {
  return `${decision.at} at ${describeStage(decision.stagePercent)}: ${decision.action} (${decision.reason}) [${decision.id}]`;
}

/** A decision in words: the verdict, the gates that decided it, then every gate. */
export function explainDecision(decision: PlanDecision): string[] {
  const evidence = decision.evidence as {
    gates?: GateResult[];
    verdict?: { decidedBy?: string[] };
    failingStreak?: { before: number; after: number; failAfter: number };
    configHash?: string;
    contentHash?: string;
    codeVersion?: string;
    applied?: { previousPercent: number | null; newPercent: number; version: number };
  };
  const decidedBy = evidence.verdict?.decidedBy ?? [];
  const gates = evidence.gates ?? [];
  const lines = [formatDecisionLine(decision)];
  const because = gates.filter((gate) => decidedBy.includes(gate.name));
  if (decision.action === 'advance') lines.push('  every gate passed or did not apply:');
  else lines.push('  because:');
  for (const gate of because) lines.push(`    ${MARK[gate.status]} ${gate.name}: ${gate.summary}`);
  if (evidence.failingStreak && evidence.failingStreak.after + evidence.failingStreak.before > 0) {
    lines.push(
      `  failing evaluations in a row: ${evidence.failingStreak.after} of ${evidence.failingStreak.failAfter}`,
    );
  }
  if (evidence.applied) {
    lines.push(
      `  rollout percent ${evidence.applied.previousPercent ?? 'unset'} → ${evidence.applied.newPercent} (version ${evidence.applied.version})`,
    );
  }
  const others = gates.filter((gate) => !decidedBy.includes(gate.name));
  if (others.length > 0) {
    lines.push('  other gates:');
    for (const gate of others) lines.push(`    ${MARK[gate.status]} ${gate.name}: ${gate.summary}`);
  }
  lines.push(
    `  config ${evidence.configHash?.slice(0, 12) ?? '?'}…, content ${evidence.contentHash?.slice(0, 12) ?? '?'}…${evidence.codeVersion ? `, code ${evidence.codeVersion}` : ''}${decision.auditSeq ? `, audit #${decision.auditSeq}` : ''}`,
  );
  return lines;
}

export function formatReplay(result: ReplayResult): string[] {
  const lines = [
    `decision ${result.decisionId}: recorded ${result.recorded.action} (${result.recorded.reason}), replayed ${result.replayed.action} (${result.replayed.reason}): ${result.agrees ? 'agrees' : 'DISAGREES'}`,
  ];
  for (const gate of result.differingGates) {
    lines.push(
      `  ${gate.name}: recorded ${gate.recorded}, replayed ${gate.replayed} (the stored aggregates of its windows changed since)`,
    );
  }
  return lines;
}
