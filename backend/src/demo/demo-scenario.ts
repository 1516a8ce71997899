import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../auth/auth-service.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { SloService } from '../slos/awf-slos.js';

/** The stages the demo's stepper raises the rollout through, each at a share of the run. */
export const DEMO_STAGES = [
  { at: 0, percent: 10 },
  { at: 0.15, percent: 25 },
  { at: 0.3, percent: 50 },
] as const;
/** The fault phase: AWF's local model goes bad at 45 % of the run and recovers at 80 %. */
export const FAULT_PHASE = { from: 0.45, to: 0.8 } as const;
/** How often the stepper looks for an open critical SLO alert during the fault phase. */
const ALERT_POLL_MS = 2000;

export interface DemoScenarioDeps {
  rollout: Pick<RolloutService, 'setRollout' | 'setPercent'>;
  slos: Pick<SloService, 'openCriticalAlerts'>;
  /** The audited demo actor every change is made by. */
  actor: Principal;
  faults: { setFaulty(on: boolean): void };
  /** One line of the story, for the terminal. */
  log(line: string): void;
  durationMs: number;
  signal: AbortSignal;
}

/** Sleeps until `atMs` after `startedMs`; false when the demo was stopped meanwhile. */
async function waitUntil(startedMs: number, atMs: number, signal: AbortSignal): Promise<boolean> {
  const wait = startedMs + atMs - Date.now();
  try {
    if (wait > 0) await sleep(wait, undefined, { signal });
    return !signal.aborted;
  } catch {
    return false;
  }
}

/**
 * The rollout story without a staged plan: raise AWF through DEMO_STAGES as the demo actor, make the
 * AWF model faulty, and roll back to 0 % as soon as the SLO monitor opens a critical alert (or when
 * the fault phase ends without one, saying so). Every change goes through the rollout service, so it
 * is audited and rate limited as an operator's would be. Resolves when the story is told or stopped.
 */
export async function runSteppedRollout(deps: DemoScenarioDeps): Promise<void> {
  const { rollout, actor, signal, durationMs, log } = deps;
  const started = Date.now();
  for (const [index, stage] of DEMO_STAGES.entries()) {
    if (!(await waitUntil(started, stage.at * durationMs, signal))) return;
    const change =
      index === 0
        ? await rollout.setRollout(actor, { globalEnabled: true, percent: stage.percent })
        : await rollout.setPercent(actor, stage.percent);
    log(`rollout: AWF at ${stage.percent} % (actor ${actor.actor}, audit #${change.auditSeq})`);
  }
  if (!(await waitUntil(started, FAULT_PHASE.from * durationMs, signal))) return;
  deps.faults.setFaulty(true);
  log('fault phase: the AWF model now fails and answers off-contract on a share of calls');
  let rolledBack = false;
  try {
    while (Date.now() < started + FAULT_PHASE.to * durationMs && !signal.aborted) {
      const alerts = await deps.slos.openCriticalAlerts();
      const alert = alerts[0];
      if (alert) {
        const change = await rollout.setPercent(actor, 0);
        log(
          `slo alert: ${alert.slo} at ${alert.firedValue.toFixed(2)} over its threshold ${alert.threshold} (sample ${alert.firedSample}) -> rolled back to 0 % (audit #${change.auditSeq})`,
        );
        rolledBack = true;
        break;
      }
      if (!(await waitUntil(Date.now(), ALERT_POLL_MS, signal))) return;
    }
    if (!(await waitUntil(started, FAULT_PHASE.to * durationMs, signal))) return;
    if (!rolledBack) {
      const change = await rollout.setPercent(actor, 0);
      log(`fault phase over without a critical alert: rolled back to 0 % anyway (audit #${change.auditSeq})`);
    }
  } finally {
    deps.faults.setFaulty(false);
  }
  log('fault phase over: the AWF model is healthy again');
}
