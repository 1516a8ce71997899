/**
 * The plan's controller (issue 12): one evaluation per interval at the injected clock's now — gates,
 * verdict, and at most one step written conditionally on the plan version — run by exactly one
 * process: on PostgreSQL the holder of a session advisory lock (the others stand by and retry every
 * half interval, so a killed leader is replaced within two intervals), on SQLite the server process.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLogger } from '../audit/audit-logger.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { SloThresholds } from '../slos/slo-definitions.js';
import type { Database } from '../store/database.js';
import type { SessionLock } from '../store/dialect-adapter.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import type { GoldenSuiteLauncher } from './golden-suite-process.js';
import { assessPlan, type PlanInputsReader } from './plan-assessment.js';
import { PlanVersionConflict } from './plan-errors.js';
import { createControllerGoldenRuns } from './plan-golden-runs.js';
import type { PlanStore } from './plan-store.js';
import { applyTransition, auditActionOf, describeStage, stepChange } from './plan-transitions.js';
import type { PlanDecision, PlanStage } from './plan-types.js';
import { createGateWindowCache } from './plan-window-cache.js';

/** The advisory lock every instance agrees on for plan leadership ('awfplan' in ASCII). */
export const PLAN_LEADER_LOCK_KEY = 0x6177_6670_6c61_6eb0n;

/** The actor plan steps are audited as. */
export const PLAN_CONTROLLER_ACTOR = 'system';

export interface PlanController {
  /** One evaluation at the clock's now; undefined when no plan is running (or another writer stepped first). */
  evaluateOnce(): Promise<PlanDecision | undefined>;
  /** Runs the evaluation timer while this process leads (PostgreSQL: holds the leader lock); idempotent. */
  start(): void;
  /** Stops the timers, waits for an evaluation in flight, releases the leader lock. */
  close(): Promise<void>;
  /** Whether this process currently leads. */
  isLeader(): boolean;
  /** Resolves once no golden suite run this controller started is in flight (close waits for it too). */
  goldensSettled(): Promise<void>;
}

export interface PlanControllerDeps {
  database: Database;
  store: PlanStore;
  audit: AuditLogger;
  rollout: Pick<RolloutService, 'applyPlanPercent'>;
  reader: PlanInputsReader;
  thresholds: SloThresholds;
  /** Read at use: admin scripts load the content lazily, only when a command needs it. */
  contentHash: () => string;
  /** The code this process runs: golden runs on other code do not count. */
  codeVersion: () => string;
  /** Runs the golden suite for plans started with runGoldens (or why this process cannot). */
  goldenSuite: GoldenSuiteLauncher | { unavailable: string };
  intervalMs: number;
  clock?: () => Date;
  log?: { info(message: string): void; warn(message: string): void };
}

export function createPlanController(deps: PlanControllerDeps): PlanController {
  const { database, store, audit } = deps;
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
  let lock: SessionLock | undefined;
  let evaluationTimer: NodeJS.Timeout | undefined;
  let standbyTimer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;
  let leading: Promise<void> | undefined;
  let isStarted = false;
  let isClosed = false;
  let hasStoodBy = false;
  const windows = createGateWindowCache(deps.reader);
  const goldens = createControllerGoldenRuns({ launcher: deps.goldenSuite, clock, log });

  const evaluateOnce = async (): Promise<PlanDecision | undefined> => {
    const now = clock();
    const plan = await store.readActive(database.db);
    if (plan?.state !== 'running') return undefined;
    const assessment = await assessPlan(plan, now.getTime(), {
      reader: deps.reader,
      thresholds: deps.thresholds,
      contentHash: deps.contentHash(),
      codeVersion: deps.codeVersion(),
      controllerGoldens: (served) => goldens.ensure(served),
      readData: (ranges) => windows.read(ranges),
    });
    const { verdict } = assessment;
    const stage = plan.stages[plan.currentStage] as PlanStage;
    const decision: PlanDecision = {
      id: randomUUID(),
      at: now.toISOString(),
      stage: plan.currentStage,
      stagePercent: stage.percent,
      action: verdict.action,
      reason: verdict.reason,
      evidence: assessment.evidence as unknown as Record<string, unknown>,
      planVersion: plan.version,
      auditSeq: null,
    };
    try {
      return await withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        if (verdict.action === 'hold') {
          if (!(await store.hasHold(trx, plan.id, plan.version, verdict.reason))) {
            const entry = await audit.appendInTransaction(trx, {
              actor: PLAN_CONTROLLER_ACTOR,
              action: 'plan.held',
              entity: `plan:${plan.id}`,
              details: {
                decisionId: decision.id,
                stage: plan.currentStage,
                stagePercent: stage.percent,
                reason: verdict.reason,
                summary: summaryOf(assessment.gates, verdict.decidedBy),
                evidence: decision.evidence,
              },
            });
            decision.auditSeq = entry.seq;
            await store.insertDecision(trx, plan.id, decision);
            if (verdict.reason === 'sample_ratio_mismatch') {
              log.warn(
                `alert: sample ratio mismatch in plan ${plan.id} at ${describeStage(stage.percent)}: ${summaryOf(assessment.gates, verdict.decidedBy)}`,
              );
            }
          }
          if (
            !(await store.touch(trx, plan.id, plan.version, {
              failingStreak: verdict.failingStreak,
              lastDecision: decision,
            }))
          ) {
            throw new PlanVersionConflict(plan.id, plan.version);
          }
          return decision;
        }
        const nowIso = now.toISOString();
        const { change, percent } = stepChange(plan, verdict.action, verdict.reason, nowIso);
        const completes = verdict.action === 'advance' && plan.stages[plan.currentStage + 1] === undefined;
        const applied = await applyTransition(trx, deps, {
          plan,
          change: { ...change, lastDecision: decision, updatedAt: nowIso, updatedBy: PLAN_CONTROLLER_ACTOR },
          percent,
          actor: PLAN_CONTROLLER_ACTOR,
          action: auditActionOf(verdict.action, completes),
          details: {
            decisionId: decision.id,
            reason: verdict.reason,
            from: describeStage(stage.percent),
            to: describeStage(plan.stages[change.currentStage ?? plan.currentStage]?.percent),
            summary: summaryOf(assessment.gates, verdict.decidedBy),
            evidence: decision.evidence,
          },
        });
        decision.auditSeq = applied.auditSeq;
        if (applied.rollout) decision.evidence = { ...decision.evidence, applied: applied.rollout };
        await store.insertDecision(trx, plan.id, decision);
        log.info(`plan ${plan.id}: ${verdict.action} (${verdict.reason}) at ${describeStage(stage.percent)}`);
        return decision;
      });
    } catch (error) {
      if (error instanceof PlanVersionConflict) return undefined;
      throw error;
    }
  };

  const tick = (): void => {
    if (inFlight || isClosed) return;
    inFlight = evaluateOnce()
      .catch((error: unknown) => log.warn(`plan evaluation failed (will retry): ${(error as Error).message}`))
      .finally(() => {
        inFlight = undefined;
      });
  };

  const standBy = (): void => {
    if (isClosed) return;
    standbyTimer = setTimeout(
      () => {
        standbyTimer = undefined;
        void tryToLead();
      },
      Math.max(50, Math.floor(deps.intervalMs / 2)),
    );
    standbyTimer.unref();
  };

  const tryToLead = async (): Promise<void> => {
    if (isClosed) return;
    let acquired: SessionLock | undefined;
    try {
      acquired = await database.adapter.tryAcquireSessionLock(PLAN_LEADER_LOCK_KEY);
    } catch (error) {
      log.warn(`plan leader lock unavailable (will retry): ${(error as Error).message}`);
    }
    if (isClosed) {
      await acquired?.release();
      return;
    }
    if (!acquired) {
      hasStoodBy = true;
      standBy();
      return;
    }
    lock = acquired;
    if (hasStoodBy) log.info('plan controller: took over as leader (holding the leader lock)');
    acquired.onLost((error) => {
      log.warn(`plan controller: lost the leader lock (${(error as Error).message}); standing by`);
      if (evaluationTimer) clearInterval(evaluationTimer);
      evaluationTimer = undefined;
      lock = undefined;
      standBy();
    });
    tick();
    evaluationTimer = setInterval(tick, deps.intervalMs);
    evaluationTimer.unref();
  };

  return {
    evaluateOnce,
    start() {
      if (isStarted || isClosed) return;
      isStarted = true;
      leading = tryToLead();
    },
    async close() {
      isClosed = true;
      if (evaluationTimer) clearInterval(evaluationTimer);
      if (standbyTimer) clearTimeout(standbyTimer);
      evaluationTimer = undefined;
      standbyTimer = undefined;
      // An attempt to take the lock in flight releases what it got once it sees isClosed.
      await leading;
      await inFlight;
      // A golden run in flight is let finish (seconds) so it is stored, not left half-done.
      await goldens.settled();
      await lock?.release();
      lock = undefined;
    },
    isLeader: () => lock?.isHeld() ?? false,
    goldensSettled: () => goldens.settled(),
  };
}

function summaryOf(
  gates: ReadonlyArray<{ name: string; summary: string }>,
  names: readonly string[],
): string {
  return gates
    .filter((gate) => names.includes(gate.name))
    .map((gate) => `${gate.name}: ${gate.summary}`)
    .join('; ');
}
