import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../auth/auth-service.js';
import type { PlanService } from '../plan/plan-service.js';
import type { PlanDecision, StagePercent } from '../plan/plan-types.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { DEMO_MIN_SAMPLE, DEMO_PLAN_STAGES } from './demo-settings.js';

/** How often the story reads the plan's decisions (the controller writes them). */
const POLL_MS = 1000;

export interface DemoScenarioDeps {
  plan: Pick<PlanService, 'start' | 'status' | 'approve' | 'decisions'>;
  rollout: Pick<RolloutService, 'setRollout'>;
  /** The audited operator who turns AWF on and starts the plan. */
  operator: Principal;
  /** A second operator: the plan refuses its starter's approval. */
  approver: Principal;
  faults: { setFaulty(on: boolean): void };
  /** One line of the story, for the terminal. */
  log(line: string): void;
  bakeMs: number;
  signal: AbortSignal;
}

/** How the story ended: the plan's final state, or `stopped` when Ctrl-C came first. */
export type StoryEnd = 'rolled_back' | 'completed' | 'aborted' | 'paused' | 'stopped';

const stageName = (percent: StagePercent | undefined) =>
  percent === undefined ? '?' : percent === 'shadow' ? 'shadow' : `${percent} %`;

/** The words of the gates a decision names (its recorded evidence), e.g. `slo:fallback_rate: …`. */
export function decisionSummary(decision: PlanDecision): string {
  const evidence = decision.evidence as {
    gates?: Array<{ name: string; summary: string }>;
    verdict?: { decidedBy?: string[] };
  };
  const names = evidence.verdict?.decidedBy ?? [];
  return (evidence.gates ?? [])
    .filter((gate) => names.includes(gate.name))
    .map((gate) => `${gate.name}: ${gate.summary}`)
    .join('; ');
}

/** One line of the timeline for a decision the controller stored. */
export function decisionLine(decision: PlanDecision, stages: readonly StagePercent[]): string {
  const at = stageName(decision.stagePercent);
  const audit = decision.auditSeq ? `, audit #${decision.auditSeq}` : '';
  if (decision.action === 'advance') {
    const to = stages[decision.stage + 1];
    return to === undefined
      ? `plan: ✔ completed at ${at} (${decision.reason}${audit})`
      : `plan: ✔ advance ${at} -> ${stageName(to)} (${decision.reason}${audit})`;
  }
  if (decision.action === 'hold')
    return `plan: … hold at ${at} (${decision.reason}): ${decisionSummary(decision)}`;
  const effect = decision.action === 'rollback' ? `roll back ${at} -> 0 %` : `${decision.action} at ${at}`;
  return `plan: ✘ ${effect} (${decision.reason}${audit}); evidence: ${decisionSummary(decision)}`;
}

/**
 * The rollout story with the real staged plan: the operator turns the global flag on at 0 % and starts
 * a plan (DEMO_PLAN_STAGES, short bakes, rollback on failure) that the server's controller advances;
 * every decision it stores is printed as it appears. When the plan reaches the stage before the one
 * that needs approval, the second operator approves it and the AWF model turns faulty, so a gate
 * fails and the controller rolls the plan back. Resolves with how the plan ended.
 */
export async function runPlanStory(deps: DemoScenarioDeps): Promise<StoryEnd> {
  const { plan, operator, approver, signal, log } = deps;
  const flag = await deps.rollout.setRollout(operator, { globalEnabled: true, percent: 0 });
  log(`rollout: global flag on at 0 % (actor ${operator.actor}, audit #${flag.auditSeq})`);
  const started = await plan.start({
    actor: operator,
    stages: [...DEMO_PLAN_STAGES],
    bakeMs: deps.bakeMs,
    minSample: DEMO_MIN_SAMPLE,
    onFailure: 'rollback',
  });
  const stages = started.stages.map((stage) => stage.percent);
  log(
    `plan ${started.id.slice(0, 8)} started by ${operator.actor}: ${stages.map(stageName).join(' -> ')}, each stage bakes ${deps.bakeMs / 1000} s and needs ${DEMO_MIN_SAMPLE} AWF turns; a failing gate rolls back to 0 %; 100 % needs a second operator's approval`,
  );
  const seen = new Set<string>();
  let faulty = false;
  const printNew = async () => {
    const fresh = (await plan.decisions({ limit: 100 })).filter((decision) => !seen.has(decision.id));
    for (const decision of fresh.reverse()) {
      seen.add(decision.id);
      log(decisionLine(decision, stages));
    }
  };
  try {
    while (!signal.aborted) {
      await printNew();
      const { plan: now } = await plan.status();
      if (!now || now.id !== started.id) return 'stopped';
      if (now.state !== 'running') {
        // The step that ended the plan may have landed between the two reads.
        await printNew();
        log(`plan ${now.state}${now.stateReason ? `: ${now.stateReason}` : ''}`);
        return now.state === 'rolled_back' || now.state === 'completed' || now.state === 'aborted'
          ? now.state
          : 'paused';
      }
      const next = now.stages[now.currentStage + 1];
      if (next?.approval && !faulty) {
        const approved = await plan.approve({ actor: approver });
        log(
          `approval: ${approved.approval.approvedBy} (a second operator; ${operator.actor} started the plan) approves ${stageName(next.percent)} (audited as plan.approved)`,
        );
        deps.faults.setFaulty(true);
        faulty = true;
        log(
          `fault phase: at ${stageName(now.stages[now.currentStage]?.percent)} the AWF model now fails and answers off-contract on many calls; watch the gates`,
        );
      }
      try {
        await sleep(POLL_MS, undefined, { signal });
      } catch {
        break;
      }
    }
    return 'stopped';
  } finally {
    if (faulty) {
      deps.faults.setFaulty(false);
      if (!signal.aborted) log('fault phase over: the AWF model is healthy again');
    }
  }
}
