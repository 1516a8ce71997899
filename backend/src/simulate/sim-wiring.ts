import type { AuthService, Principal } from '../auth/auth-service.js';
import type { PlanController } from '../plan/plan-controller.js';
import type { PlanService } from '../plan/plan-service.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { RolloutStateCache } from '../rollout/rollout-state-cache.js';
import type { Router } from '../rollout/route-decision.js';
import type { SloLog } from '../slos/alert-delivery.js';
import type { SloService, SloThresholds } from '../slos/awf-slos.js';
import type { SimulationServices } from './simulation.js';

/** The plan capability as the simulator uses it: the operators' start and approve, one controller evaluation. */
export interface SimulatedPlan {
  service: Pick<PlanService, 'start' | 'approve'>;
  controller: Pick<PlanController, 'evaluateOnce'>;
}

/** The parts of the process's services the simulator drives (the app's Services has them all). */
export interface SimulatedProcess {
  config: {
    slo: SloThresholds;
    sloMonitoring: { evaluationIntervalSeconds: number };
    rollout: { pollIntervalMs: number };
    plan: { intervalMs: number };
  };
  slos: SloService;
  rollout: Pick<RolloutService, 'setRollout'>;
  rolloutState: Pick<RolloutStateCache, 'current' | 'refresh'>;
  router: Router;
  auth: Pick<AuthService, 'addFirstAdmin' | 'addActor'>;
  plan: SimulatedPlan;
  close(): Promise<void>;
}

/** Opens the real services on `sqlitePath` with the simulator's clock and no timers (the entry point wires it). */
export type OpenSimulatedProcess = (input: {
  sqlitePath: string;
  clock: () => Date;
  /** Settings from the caller's environment the simulation honours (SLO_*). */
  env: Record<string, string>;
  /** Where the SLO alert and plan step lines go: the timeline shows them, so not to stdout. */
  log: SloLog;
}) => Promise<SimulatedProcess>;

/** The operator who starts the plan, and the second one who approves (not the one who started it). */
export const SIM_OPERATOR = 'sim-operator';
export const SIM_APPROVER = 'sim-approver';

/** The simulator's view of a process: its timers' intervals, its operators acting through the real services. */
export function simulationServicesOf(process: SimulatedProcess): SimulationServices {
  let operator: Principal | undefined;
  return {
    slos: process.slos,
    rolloutState: process.rolloutState,
    router: process.router,
    evaluatePlan: () => process.plan.controller.evaluateOnce(),
    intervals: {
      sloEvaluationMs: process.config.sloMonitoring.evaluationIntervalSeconds * 1000 || 60_000,
      planEvaluationMs: process.config.plan.intervalMs,
      rolloutPollMs: process.config.rollout.pollIntervalMs,
    },
    fallbackThresholdPct: process.config.slo.fallbackRatePct,
    operators: {
      async startPlan(plan) {
        const admin = await process.auth.addFirstAdmin({ name: SIM_OPERATOR, via: 'cli' });
        operator = { actor: admin.actor, role: admin.role, tokenId: admin.tokenId };
        await process.auth.addActor(operator, { name: SIM_APPROVER, role: 'operator' });
        await process.rollout.setRollout(operator, { globalEnabled: true, percent: 0 });
        await process.plan.service.start({ stages: plan.stages, bakeMs: plan.bakeMs, actor: SIM_OPERATOR });
      },
      async approve() {
        await process.plan.service.approve({ actor: SIM_APPROVER });
      },
    },
  };
}
