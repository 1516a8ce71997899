/**
 * The operators' side of the staged plan (issue 12): start, status, pause, resume, approve, abort,
 * the decisions and their replay, and the guard a manual percentage change asks. Every change is one
 * write transaction with exactly one audit entry.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLogger } from '../audit/audit-logger.js';
import { ForbiddenError } from '../auth/auth-errors.js';
import type { Principal } from '../auth/auth-service.js';
import { can } from '../auth/roles.js';
import { assertPercent } from '../rollout/canary-rollout.js';
import type { RolloutService, RunningPlanGuard } from '../rollout/rollout-service.js';
import { InvalidInputError } from '../shared/errors.js';
import type { SloThresholds } from '../slos/slo-definitions.js';
import type { Database } from '../store/database.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import {
  assessPlan,
  type PlanInputsReader,
  planConfigHash,
  type ReplayResult,
  replayAssessment,
} from './plan-assessment.js';
import {
  PlanActiveError,
  PlanApprovalByStarterError,
  PlanDecisionNotFoundError,
  PlanNotFoundError,
  PlanRunningError,
  PlanStateConflictError,
} from './plan-errors.js';
import { sampleToTellDouble } from './plan-statistics.js';
import type { PlanExecutor, PlanStore } from './plan-store.js';
import { applyTransition, describeStage, routedPercent } from './plan-transitions.js';
import type {
  GateResult,
  OnFailure,
  PlanDecision,
  PlanStage,
  StagePercent,
  StartPlanInput,
  StoredPlan,
} from './plan-types.js';

export const DEFAULT_BAKE_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_FAIL_AFTER = 3;
export const DEFAULT_PERCENT_STAGES: readonly number[] = [5, 25, 50, 100];
const ON_FAILURE: readonly OnFailure[] = ['rollback', 'previous', 'pause'];
const MAX_REASON = 500;

/** Who acts: an authenticated principal (HTTP, CLI), or a bare name for the process itself and tests. */
export type PlanActor = Principal | string;

/** The plan as `status` shows it (GET /api/admin/plan). */
export interface PlanView {
  id: string;
  version: number;
  state: StoredPlan['state'];
  stateReason: string | null;
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  onFailure: OnFailure;
  failAfter: number;
  /** The controller runs the golden suite itself when no run on the served content and code exists. */
  runGoldens: boolean;
  configHash: string;
  stages: PlanStage[];
  currentStage: number;
  stageStartedAt: string;
  bake: { elapsedMs: number; requiredMs: number };
  sample: { awfTurns: number; required: number; derivation: MinSampleDerivation };
  approval: { required: boolean; approvedBy?: string };
  failingStreak: number;
  gates: GateResult[];
  lastDecision?: PlanDecision;
}

/** Why the default minimum sample is what it is. */
export interface MinSampleDerivation {
  required: number;
  fromFallbackRate: number;
  fromRetryRate: number;
  rule: string;
}

export interface PlanService extends RunningPlanGuard {
  start(input: Omit<StartPlanInput, 'actor'> & { actor: PlanActor }): Promise<PlanView>;
  status(): Promise<{ plan: PlanView | null }>;
  pause(input: { actor: PlanActor; reason: string }): Promise<PlanView>;
  resume(input: { actor: PlanActor }): Promise<PlanView>;
  approve(input: { actor: PlanActor }): Promise<PlanView>;
  abort(input: { actor: PlanActor; reason?: string | undefined }): Promise<PlanView>;
  /** Newest first (every plan). */
  decisions(options?: { limit?: number | undefined }): Promise<PlanDecision[]>;
  replay(decisionId: string): Promise<ReplayResult>;
  /** The default minimum sample from the SLO thresholds, with its derivation. */
  minSampleDerivation(): MinSampleDerivation;
}

export interface PlanServiceDeps {
  database: Database;
  store: PlanStore;
  audit: AuditLogger;
  rollout: Pick<RolloutService, 'applyPlanPercent' | 'readState'>;
  reader: PlanInputsReader;
  thresholds: SloThresholds;
  /** Read at use: admin scripts load the content lazily, only when a command needs it. */
  contentHash: () => string;
  /** The code this process runs (shared/code-version.ts): golden runs on other code do not count. */
  codeVersion: () => string;
  clock?: () => Date;
}

export function createPlanService(deps: PlanServiceDeps): PlanService {
  const { database, store, audit, thresholds } = deps;
  const clock = deps.clock ?? (() => new Date());

  const minSampleDerivation = (): MinSampleDerivation => {
    const fromFallbackRate = sampleToTellDouble(thresholds.fallbackRatePct);
    const fromRetryRate = sampleToTellDouble(thresholds.invalidRetryRatePct);
    return {
      required: Math.max(1, fromFallbackRate, fromRetryRate),
      fromFallbackRate,
      fromRetryRate,
      rule: `AWF turns to tell a rate at twice its threshold from one at the threshold (one-sided α = 5 %, power 95 %): fallback ${thresholds.fallbackRatePct} % vs ${2 * thresholds.fallbackRatePct} % → ${fromFallbackRate}; retry ${thresholds.invalidRetryRatePct} % vs ${2 * thresholds.invalidRetryRatePct} % → ${fromRetryRate}`,
    };
  };

  const actorName = (actor: PlanActor): string => (typeof actor === 'string' ? actor : actor.actor);
  const requireWrite = (actor: PlanActor): string => {
    if (typeof actor !== 'string' && !can(actor.role, 'rollout.write')) {
      throw new ForbiddenError(actor.actor, actor.role, 'rollout.write');
    }
    const name = actorName(actor);
    if (typeof name !== 'string' || name.trim() === '') throw new InvalidInputError('an actor is required');
    return name;
  };

  const view = async (plan: StoredPlan): Promise<PlanView> => {
    const stage = plan.stages[plan.currentStage] as PlanStage;
    const nowMs = clock().getTime();
    const assessment = await assessPlan(plan, nowMs, {
      reader: deps.reader,
      thresholds,
      contentHash: deps.contentHash(),
      codeVersion: deps.codeVersion(),
    });
    const traffic = assessment.gates.find((gate) => gate.name === 'traffic');
    const next = plan.stages[plan.currentStage + 1];
    const isActive = plan.state === 'running' || plan.state === 'paused';
    return {
      id: plan.id,
      version: plan.version,
      state: plan.state,
      stateReason: plan.stateReason,
      startedBy: plan.startedBy,
      startedAt: plan.startedAt,
      endedAt: plan.endedAt,
      onFailure: plan.onFailure,
      failAfter: plan.failAfter,
      runGoldens: plan.runGoldens,
      configHash: planConfigHash(plan, thresholds),
      stages: plan.stages,
      currentStage: plan.currentStage,
      stageStartedAt: plan.stageStartedAt,
      bake: { elapsedMs: Math.max(0, nowMs - Date.parse(plan.stageStartedAt)), requiredMs: stage.bakeMs },
      sample: {
        awfTurns: Number((traffic?.evidence as { stageTurns?: number } | undefined)?.stageTurns ?? 0),
        required: stage.minSample,
        derivation: minSampleDerivation(),
      },
      approval: {
        required: next?.approval ?? false,
        ...(plan.approval && plan.approval.stage === plan.currentStage + 1
          ? { approvedBy: plan.approval.by }
          : {}),
      },
      failingStreak: plan.failingStreak,
      gates: isActive ? assessment.gates : [],
      ...(plan.lastDecision ? { lastDecision: plan.lastDecision } : {}),
    };
  };

  /** One operator change: the append lock, the active plan read in the transaction, one conditional write and audit entry. */
  const change = async (
    actor: PlanActor,
    work: (
      trx: PlanExecutor,
      plan: StoredPlan,
      by: string,
      nowIso: string,
    ) => Promise<{
      change: Partial<StoredPlan>;
      percent?: number;
      action: string;
      details: Record<string, unknown>;
    }>,
  ): Promise<PlanView> => {
    const by = requireWrite(actor);
    const planId = await withWriteTransaction(database, async (trx) => {
      await audit.lockForAppend(trx);
      const plan = await store.readActive(trx);
      if (!plan) throw new PlanNotFoundError();
      const nowIso = clock().toISOString();
      const done = await work(trx, plan, by, nowIso);
      await applyTransition(
        trx,
        { store, audit, rollout: deps.rollout },
        {
          plan,
          change: { ...done.change, updatedAt: nowIso, updatedBy: by },
          percent: done.percent,
          actor: by,
          action: done.action,
          details: done.details,
        },
      );
      return plan.id;
    });
    const plan = await store.readLatest(database.db);
    if (!plan || plan.id !== planId) throw new PlanNotFoundError();
    return view(plan);
  };

  const checkReason = (reason: unknown, required: boolean): string | undefined => {
    if (reason === undefined && !required) return undefined;
    if (typeof reason !== 'string' || reason.trim() === '')
      throw new InvalidInputError('a reason is required');
    if (reason.length > MAX_REASON)
      throw new InvalidInputError(`the reason must be at most ${MAX_REASON} characters`);
    return reason.trim();
  };

  return {
    minSampleDerivation,

    async start(input) {
      const by = requireWrite(input.actor);
      const state = await deps.rollout.readState();
      const shadowConfigured = (state.shadowPercent ?? 0) > 0;
      const stages = buildStages(input, shadowConfigured, minSampleDerivation().required);
      const onFailure = input.onFailure ?? 'rollback';
      if (!ON_FAILURE.includes(onFailure)) {
        throw new InvalidInputError(
          `--on-failure must be rollback, previous or pause, got ${JSON.stringify(onFailure)}`,
        );
      }
      const failAfter = input.failAfter ?? DEFAULT_FAIL_AFTER;
      if (!Number.isInteger(failAfter) || failAfter < 1 || failAfter > 1000) {
        throw new InvalidInputError('fail-after must be a whole number of evaluations from 1 to 1000');
      }
      await withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        const active = await store.readActive(trx);
        if (active) throw new PlanActiveError(active.id, active.state);
        const nowIso = clock().toISOString();
        const plan: StoredPlan = {
          id: randomUUID(),
          version: 1,
          state: 'running',
          stages,
          onFailure,
          failAfter,
          currentStage: 0,
          stageStartedAt: nowIso,
          startedBy: by,
          startedAt: nowIso,
          approval: null,
          failingStreak: 0,
          stateReason: null,
          lastDecision: null,
          updatedAt: nowIso,
          updatedBy: by,
          endedAt: null,
          runGoldens: input.runGoldens ?? false,
        };
        await store.insert(trx, plan);
        const first = stages[0] as PlanStage;
        const applied = await deps.rollout.applyPlanPercent(
          trx,
          `plan:${plan.id}`,
          routedPercent(first.percent),
        );
        await audit.appendInTransaction(trx, {
          actor: by,
          action: 'plan.started',
          entity: `plan:${plan.id}`,
          details: {
            previous: null,
            new: { state: 'running', stage: 0, version: 1 },
            stages,
            onFailure,
            failAfter,
            runGoldens: plan.runGoldens,
            configHash: planConfigHash(plan, thresholds),
            contentHash: deps.contentHash(),
            codeVersion: deps.codeVersion(),
            minSample: minSampleDerivation(),
            rollout: {
              previousPercent: applied.previous,
              newPercent: routedPercent(first.percent),
              version: applied.version,
            },
          },
        });
      });
      const plan = await store.readActive(database.db);
      if (!plan) throw new PlanNotFoundError();
      return view(plan);
    },

    async status() {
      const plan = await store.readLatest(database.db);
      return { plan: plan ? await view(plan) : null };
    },

    async pause(input) {
      const reason = checkReason(input.reason, true) as string;
      return change(input.actor, async (_trx, plan) => {
        if (plan.state !== 'running')
          throw new PlanStateConflictError(`plan ${plan.id} is ${plan.state}, not running`);
        return {
          change: { state: 'paused', stateReason: reason, failingStreak: 0 },
          action: 'plan.paused',
          details: { reason },
        };
      });
    },

    async resume(input) {
      return change(input.actor, async (_trx, plan, _by, nowIso) => {
        if (plan.state !== 'paused')
          throw new PlanStateConflictError(`plan ${plan.id} is ${plan.state}, not paused`);
        const stage = plan.stages[plan.currentStage] as PlanStage;
        // The percentage may have been changed by hand while paused: the stage is applied again and bakes anew.
        return {
          change: { state: 'running', stateReason: null, stageStartedAt: nowIso, failingStreak: 0 },
          percent: routedPercent(stage.percent),
          action: 'plan.resumed',
          details: { stage: plan.currentStage, stagePercent: stage.percent, bakeRestartsAt: nowIso },
        };
      });
    },

    async approve(input) {
      return change(input.actor, async (_trx, plan, by) => {
        if (by === plan.startedBy) throw new PlanApprovalByStarterError(by);
        const gated = plan.stages.findIndex((stage, index) => index > plan.currentStage && stage.approval);
        if (gated < 0)
          throw new PlanStateConflictError(`plan ${plan.id} has no stage ahead that needs approval`);
        if (plan.approval?.stage === gated) {
          throw new PlanStateConflictError(
            `stage ${describeStage(plan.stages[gated]?.percent)} is already approved by ${plan.approval.by}`,
          );
        }
        return {
          change: { approval: { stage: gated, by } },
          action: 'plan.approved',
          details: { approvedStage: gated, stagePercent: plan.stages[gated]?.percent },
        };
      });
    },

    async abort(input) {
      const reason = checkReason(input.reason, false);
      return change(input.actor, async (_trx, plan, _by, nowIso) => ({
        change: {
          state: 'aborted',
          endedAt: nowIso,
          stateReason: reason ?? 'aborted by an operator',
          failingStreak: 0,
        },
        action: 'plan.aborted',
        details: {
          reason: reason ?? null,
          percentLeftAt: describeStage(plan.stages[plan.currentStage]?.percent),
        },
      }));
    },

    async decisions(options = {}) {
      const limit = options.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidInputError('limit must be a whole number from 1 to 1000');
      }
      return store.listDecisions(database.db, { limit });
    },

    async replay(decisionId) {
      if (typeof decisionId !== 'string' || decisionId.trim() === '') {
        throw new InvalidInputError('a decision id is required');
      }
      const decision = await store.findDecision(database.db, decisionId);
      if (!decision) throw new PlanDecisionNotFoundError(decisionId);
      return replayAssessment(decision, deps.reader);
    },

    async onManualPercentChange(trx, input) {
      const plan = await store.readActive(trx);
      if (plan?.state !== 'running') return;
      if (!input.force)
        throw new PlanRunningError(plan.id, describeStage(plan.stages[plan.currentStage]?.percent));
      const nowIso = clock().toISOString();
      const reason = `manual rollout percentage by ${input.actor} (forced): ${input.reason ?? ''}`.trim();
      await applyTransition(
        trx,
        { store, audit, rollout: deps.rollout },
        {
          plan,
          change: {
            state: 'paused',
            stateReason: reason,
            failingStreak: 0,
            updatedAt: nowIso,
            updatedBy: input.actor,
          },
          percent: undefined,
          actor: input.actor,
          action: 'plan.paused',
          details: { reason, cause: 'manual_percent_forced' },
        },
      );
    },
  };
}

/** The stages from the start flags: default shadow (when configured) → 5 → 25 → 50 → 100. */
export function buildStages(
  input: Pick<StartPlanInput, 'stages' | 'bakeMs' | 'minSample' | 'approvalBefore100'>,
  shadowConfigured: boolean,
  defaultMinSample: number,
): PlanStage[] {
  const bakeMs = input.bakeMs ?? DEFAULT_BAKE_MS;
  if (!Number.isInteger(bakeMs) || bakeMs < 1000 || bakeMs > 365 * 24 * 3600 * 1000) {
    throw new InvalidInputError('the bake time must be from 1 s to 365 d (e.g. 7d, 12h, 30s)');
  }
  const minSample = input.minSample ?? defaultMinSample;
  if (!Number.isInteger(minSample) || minSample < 1 || minSample > 1_000_000_000) {
    throw new InvalidInputError('--min-sample must be a whole number of turns ≥ 1');
  }
  const percents: StagePercent[] = input.stages ?? [
    ...(shadowConfigured ? (['shadow'] as const) : []),
    ...DEFAULT_PERCENT_STAGES,
  ];
  if (!Array.isArray(percents) || percents.length === 0)
    throw new InvalidInputError('give at least one stage');
  let last = 0;
  percents.forEach((percent, index) => {
    if (percent === 'shadow') {
      if (index !== 0) throw new InvalidInputError('the shadow stage can only come first');
      if (!shadowConfigured) {
        throw new InvalidInputError(
          'a shadow stage needs shadow turns: set a shadow rate first (awf-rollout-set.ts --shadow N)',
        );
      }
      return;
    }
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0) {
      throw new InvalidInputError(`stage ${JSON.stringify(percent)} is not a percentage above 0`);
    }
    assertPercent(percent);
    if (percent <= last)
      throw new InvalidInputError('stages must rise: each percentage above the one before');
    last = percent;
  });
  const approvalBefore100 = input.approvalBefore100 ?? true;
  return percents.map((percent) => ({
    percent,
    bakeMs,
    minSample,
    approval: approvalBefore100 && percent === 100,
  }));
}
