import type { AuditLogger } from '../audit/audit-logger.js';
import { ForbiddenError } from '../auth/auth-errors.js';
import type { Principal } from '../auth/auth-service.js';
import { can, type Permission } from '../auth/roles.js';
import type { Pipeline } from '../game/game-types.js';
import { InvalidInputError } from '../shared/errors.js';
import { SUBJECT_ID_PATTERN } from '../shared/http-schemas.js';
import type { Database } from '../store/database.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import {
  assertPercent,
  type EffectiveRollout,
  isOverrideExpired,
  type OverrideKind,
  percentToHundredths,
  type RolloutEnvironment,
  type RolloutOverride,
  resolveEffectiveRollout,
  type StoredRolloutState,
} from './canary-rollout.js';
import { computeDistribution, type RolloutDistribution } from './rollout-distribution.js';
import {
  type BlockingAlert,
  OverrideExpiryInPastError,
  OverrideNotFoundError,
  RolloutBlockedByAlertError,
} from './rollout-errors.js';
import {
  decideFromState,
  type ExplainSubject,
  explainRoute,
  type RouteExplanation,
} from './rollout-explain.js';
import type { Executor, RolloutStore } from './rollout-store.js';
import type { TurnsReadModel } from './turns-read-model.js';

/** The channel a change is announced on, so other instances reload at once. */
export const ROLLOUT_CHANNEL = 'awf_rollout_changed';

/** Subject ids as the player API accepts them. */
const SUBJECT_ID = new RegExp(SUBJECT_ID_PATTERN);
const MAX_REASON = 500;
/** How many active users the histogram reads at most. */
const HISTOGRAM_USER_LIMIT = 100_000;

export type OverrideState = 'active' | 'expired';

export interface OverrideView extends RolloutOverride {
  state: OverrideState;
}

export interface RolloutStatus {
  effective: EffectiveRollout;
  overrides: OverrideView[];
}

export interface OverrideInput {
  kind: OverrideKind;
  subjectId: string;
  pipeline: Pipeline;
  expiresAt?: Date | undefined;
  reason?: string | undefined;
}

/** What a change did, as its audit entry records it. */
export interface RolloutChange<T> {
  previous: T;
  new: T;
  version: number;
  auditSeq: number;
  /** Set when the change raised the rollout past open critical SLO alerts with force (and is audited so). */
  forced?: { reason: string; alertIds: string[] };
}

/** The stored global flag and percentage; null where nothing is stored. */
export interface RolloutSettings {
  globalEnabled: boolean | null;
  percent: number | null;
}

/** What `setRollout` changes: the global flag, the percentage, or both at once. */
export interface RolloutSettingsInput extends RaiseGuardInput {
  globalEnabled?: boolean | undefined;
  percent?: number | undefined;
}

/**
 * Raising the rollout (a higher percentage, or the stored global flag turned on while the percentage
 * is above 0) is refused while a critical SLO alert is open, unless forced with a reason.
 */
export interface RaiseGuardInput {
  force?: boolean | undefined;
  /** Why the raise is forced; required with `force`, recorded in the audit entry. */
  reason?: string | undefined;
}

/**
 * What the rollout asks the SLO monitor before a raise: the open critical alerts. The wiring hands
 * the SLO capability's reader in, so the rollout never reads SLO tables itself (CONVENTIONS 3).
 */
export interface OpenCriticalAlertsReader {
  openCriticalAlerts(): Promise<readonly BlockingAlert[]>;
}

/**
 * What a manual percentage change asks the staged plan (issue 12), inside the change's transaction:
 * refuse while a plan runs (PLAN_RUNNING), or, with force, pause the plan (its own audit entry). The
 * wiring hands the plan's guard in, so the rollout never reads plan tables itself.
 */
export interface RunningPlanGuard {
  onManualPercentChange(
    trx: Executor,
    input: { actor: string; force: boolean; reason: string | undefined },
  ): Promise<void>;
}

/** The canary rollout control plane: global flag, percentage, overrides and the distribution. */
export interface RolloutService {
  readState(): Promise<StoredRolloutState>;
  /** Effective values with sources as this process sees them, and every override. */
  status(): Promise<RolloutStatus>;
  listOverrides(): Promise<OverrideView[]>;
  distribution(since: Date): Promise<RolloutDistribution>;
  /** Whether the rollout routes anybody to AWF, the last change, and the AWF turns stored since it. */
  awfTraffic(): Promise<AwfTraffic>;
  setPercent(by: Principal, percent: number, guard?: RaiseGuardInput): Promise<RolloutChange<number | null>>;
  setGlobalFlag(by: Principal, enabled: boolean): Promise<RolloutChange<boolean | null>>;
  /**
   * Sets the global flag and/or the percentage as one change: one transaction, one rate-limit
   * check and one audit entry — `rollout.set` with both previous and new values when both are
   * given, else the single field's `rollout.flag.set` / `rollout.percent.set`. Either both
   * apply or neither does. A raise while a critical SLO alert is open is refused
   * (ROLLOUT_BLOCKED_BY_ALERT) unless `force` with a `reason`.
   */
  setRollout(by: Principal, input: RolloutSettingsInput): Promise<RolloutChange<RolloutSettings>>;
  /**
   * Sets the shadow rate (issue 11): the share (0–100, two decimals) of legacy-routed turns on which
   * the AWF pipeline also runs after the answer was sent, never shown. One audit entry `rollout.shadow.set`.
   */
  setShadow(by: Principal, percent: number): Promise<RolloutChange<number>>;
  /**
   * The staged plan's step, inside the plan's own write transaction: stores the percentage, bumps the
   * version and notifies other instances. No audit entry and no rate limit here: the plan's decision
   * is the one audit entry (with its evidence) for the step.
   */
  applyPlanPercent(
    trx: Executor,
    by: string,
    percent: number,
  ): Promise<{ previous: number | null; version: number }>;
  setOverride(by: Principal, input: OverrideInput): Promise<RolloutChange<OverrideValue | null>>;
  clearOverride(
    by: Principal,
    kind: OverrideKind,
    subjectId: string,
  ): Promise<RolloutChange<OverrideValue | null>>;
  /**
   * Removes every override (`only: 'enable'` the AWF ones, `'disable'` the legacy ones) in one change,
   * and reports what it removed by kind and where the released subjects land now.
   */
  clearAllOverrides(by: Principal, options?: ClearAllOptions): Promise<ClearAllResult>;
  /** Why `subject` gets its pipeline: every input of the decision, from the stored state and this process's env. */
  explain(subject: ExplainSubject): Promise<RouteExplanation>;
}

/** Which overrides clear-all removes: all, only `enable` (AWF) ones, or only `disable` (legacy) ones. */
export type ClearAllOnly = 'enable' | 'disable';

export interface ClearAllOptions {
  only?: ClearAllOnly | undefined;
}

/** Counts per override kind. */
export interface PerKind<T> {
  user: T;
  session: T;
}

/** What a clear-all did and what it means for the players it released. */
export interface ClearAllResult extends RolloutChange<OverrideListValue> {
  only: ClearAllOnly | null;
  /** Removed overrides by kind and by what they did (enable = awf, disable = legacy). */
  removed: PerKind<{ enable: number; disable: number }>;
  /**
   * The released users and sessions decided again at the state right after the clear (this process's
   * environment): how many now land on AWF, and how many of those a removed `disable` held on legacy.
   */
  released: PerKind<{ total: number; awf: number; awfFromDisable: number }>;
  /** Overrides left in place (by `only`). */
  kept: number;
}

/**
 * The AWF traffic the rollout allows, as this process sees it (its EMERGENCY_FALLBACK,
 * LEGACY_TURN_ENABLED and AWF_BUNDLE_ON), and what happened since the last change: what the SLO
 * monitor needs to resolve an alert as rolled back, and what `slo-status` and `--list` show.
 */
export interface AwfTraffic {
  /**
   * Nobody is routed to AWF: EMERGENCY_FALLBACK or LEGACY_TURN_ENABLED set, or the global flag off
   * or the effective percent 0 with no unexpired enable override.
   */
  routesNobodyToAwf: boolean;
  /** Why, in words: e.g. `percent 0`, `global flag off (store)`, `EMERGENCY_FALLBACK=true`. */
  why: string;
  /** The rollout version, and who changed it when (null: never changed). */
  version: number;
  changedAt: string | null;
  changedBy: string | null;
  /** Stored turns routed to AWF (a fallback counts) after the last change (all, when never changed). */
  awfTurnsSinceChange: number;
}

/** An override as its audit entry shows it. */
export interface OverrideValue {
  pipeline: Pipeline;
  expiresAt: string | null;
  reason: string | null;
}

export type OverrideListValue = Array<OverrideValue & { kind: OverrideKind; subjectId: string }>;

export interface RolloutServiceDeps {
  database: Database;
  store: RolloutStore;
  audit: AuditLogger;
  /** The per-actor change limit (the auth service's). */
  rateLimiter: { enforceChangeRate(trx: Executor, actor: string): Promise<void> };
  turnsReadModel: TurnsReadModel;
  /** The open critical SLO alerts that block a raise. */
  alerts: OpenCriticalAlertsReader;
  /** The staged plan's guard against manual percentage changes (absent: no plan capability wired). */
  plan?: RunningPlanGuard | undefined;
  env: RolloutEnvironment;
  clock?: () => Date;
}

export function createRolloutService(deps: RolloutServiceDeps): RolloutService {
  const { database, store, audit, rateLimiter, env } = deps;
  const clock = deps.clock ?? (() => new Date());

  const requirePermission = (by: Principal, permission: Permission): void => {
    if (!can(by.role, permission)) throw new ForbiddenError(by.actor, by.role, permission);
  };

  /**
   * One change: the append lock first (so previous values and the rate count cannot race), the rate
   * limit, the write, exactly one audit entry, and a notification to other instances at commit.
   */
  const change = async <T>(
    by: Principal,
    work: (
      trx: Executor,
      now: string,
    ) => Promise<{
      previous: T;
      new: T;
      version: number;
      action: string;
      entity: string;
      /** More audit details (e.g. a forced raise's reason and alert ids). */
      details?: Record<string, unknown>;
    }>,
  ): Promise<RolloutChange<T>> => {
    requirePermission(by, 'rollout.write');
    return withWriteTransaction(database, async (trx) => {
      await audit.lockForAppend(trx);
      await rateLimiter.enforceChangeRate(trx, by.actor);
      const now = clock().toISOString();
      const done = await work(trx, now);
      const entry = await audit.appendInTransaction(trx, {
        actor: by.actor,
        action: done.action,
        entity: done.entity,
        details: { previous: done.previous, new: done.new, version: done.version, ...done.details },
      });
      await database.adapter.notify(trx, ROLLOUT_CHANNEL, String(done.version));
      return { previous: done.previous, new: done.new, version: done.version, auditSeq: entry.seq };
    });
  };

  const setRollout = async (
    by: Principal,
    input: RolloutSettingsInput,
  ): Promise<RolloutChange<RolloutSettings>> => {
    const setsFlag = input.globalEnabled !== undefined;
    const setsPercent = input.percent !== undefined;
    if (!setsFlag && !setsPercent) throw new InvalidInputError('give the global flag, the percent or both');
    if (setsFlag && typeof input.globalEnabled !== 'boolean') {
      throw new InvalidInputError('the global flag must be true or false');
    }
    if (input.percent !== undefined) assertPercent(input.percent);
    const guard = checkGuardInput(input);
    // Read before the write transaction (SQLite has one connection); only a possible raise asks, so
    // lowering and rolling back never depend on the SLO store.
    const mayRaise = (input.percent !== undefined && input.percent > 0) || input.globalEnabled === true;
    const openCritical = mayRaise ? await deps.alerts.openCriticalAlerts() : [];
    let settings: { previous: RolloutSettings; new: RolloutSettings } | undefined;
    let forced: RolloutChange<unknown>['forced'];
    const done = await change<unknown>(by, async (trx, now) => {
      const before = await store.readState(trx);
      const previous: RolloutSettings = { globalEnabled: before.globalEnabled, percent: before.percent };
      const next: RolloutSettings = {
        globalEnabled: input.globalEnabled ?? previous.globalEnabled,
        percent: input.percent ?? previous.percent,
      };
      if (setsPercent) {
        await deps.plan?.onManualPercentChange(trx, {
          actor: by.actor,
          force: guard.force,
          reason: guard.reason,
        });
      }
      const raise = describeRaise(before, input, env);
      const blocked = raise !== undefined && openCritical.length > 0;
      if (blocked && !guard.force) throw new RolloutBlockedByAlertError(raise, openCritical);
      if (blocked)
        forced = { reason: guard.reason as string, alertIds: openCritical.map((alert) => alert.id) };
      // A forced change records whether force was needed, the reason and the alerts it went past.
      const details = guard.force
        ? { forced: blocked, reason: guard.reason, alertIds: forced?.alertIds ?? [] }
        : undefined;
      const version = await store.updateConfig(
        trx,
        {
          ...(input.globalEnabled !== undefined ? { globalEnabled: input.globalEnabled } : {}),
          ...(input.percent !== undefined ? { percentHundredths: percentToHundredths(input.percent) } : {}),
        },
        by.actor,
        now,
      );
      settings = { previous, new: next };
      const extra = details ? { details } : {};
      if (setsFlag && setsPercent) {
        return { previous, new: next, version, action: 'rollout.set', entity: 'rollout', ...extra };
      }
      return setsFlag
        ? {
            previous: previous.globalEnabled,
            new: next.globalEnabled,
            version,
            action: 'rollout.flag.set',
            entity: 'rollout',
            ...extra,
          }
        : {
            previous: previous.percent,
            new: next.percent,
            version,
            action: 'rollout.percent.set',
            entity: 'rollout',
            ...extra,
          };
    });
    const { previous, new: next } = settings as NonNullable<typeof settings>;
    return {
      previous,
      new: next,
      version: done.version,
      auditSeq: done.auditSeq,
      ...(forced ? { forced } : {}),
    };
  };

  const listOverrides = async (): Promise<OverrideView[]> => {
    const now = clock().getTime();
    return (await store.readState(database.db)).overrides.map((override) => ({
      ...override,
      state: isOverrideExpired(override, now) ? 'expired' : 'active',
    }));
  };

  return {
    readState: () => store.readState(database.db),

    async status() {
      const state = await store.readState(database.db);
      const now = clock().getTime();
      return {
        effective: resolveEffectiveRollout(state, env),
        overrides: state.overrides.map((override) => ({
          ...override,
          state: isOverrideExpired(override, now) ? 'expired' : 'active',
        })),
      };
    },

    listOverrides,

    async awfTraffic() {
      const state = await store.readState(database.db);
      const effective = resolveEffectiveRollout(state, env);
      const now = clock().getTime();
      const enableOverrides = state.overrides.filter(
        (override) => override.pipeline === 'awf' && !isOverrideExpired(override, now),
      ).length;
      return {
        ...describeAwfTraffic(effective, enableOverrides),
        version: state.version,
        changedAt: state.updatedAt,
        changedBy: state.updatedBy,
        awfTurnsSinceChange: await deps.turnsReadModel.awfTurnsAfter(state.updatedAt),
      };
    },

    async distribution(since) {
      const sinceIso = since.toISOString();
      const state = await store.readState(database.db);
      const effective = resolveEffectiveRollout(state, env);
      const [totals, activeUsers] = await Promise.all([
        deps.turnsReadModel.totals(sinceIso),
        deps.turnsReadModel.activeUsers(sinceIso, HISTOGRAM_USER_LIMIT + 1),
      ]);
      return computeDistribution({
        since: sinceIso,
        percent: effective.percent.value,
        totals,
        activeUsers: activeUsers.slice(0, HISTOGRAM_USER_LIMIT),
        histogramTruncated: activeUsers.length > HISTOGRAM_USER_LIMIT,
      });
    },

    async setPercent(by, percent, guard = {}) {
      const done = await setRollout(by, { percent, force: guard.force, reason: guard.reason });
      return { ...done, previous: done.previous.percent, new: done.new.percent };
    },

    async setGlobalFlag(by, enabled) {
      const done = await setRollout(by, { globalEnabled: enabled });
      return { ...done, previous: done.previous.globalEnabled, new: done.new.globalEnabled };
    },

    setRollout,

    async applyPlanPercent(trx, by, percent) {
      assertPercent(percent);
      const before = await store.readState(trx);
      const version = await store.updateConfig(
        trx,
        { percentHundredths: percentToHundredths(percent) },
        by,
        clock().toISOString(),
      );
      await database.adapter.notify(trx, ROLLOUT_CHANNEL, String(version));
      return { previous: before.percent, version };
    },

    async setShadow(by, percent) {
      assertPercent(percent);
      return change(by, async (trx, now) => {
        const before = await store.readState(trx);
        const version = await store.updateConfig(
          trx,
          { shadowHundredths: percentToHundredths(percent) },
          by.actor,
          now,
        );
        return {
          previous: before.shadowPercent ?? 0,
          new: percent,
          version,
          action: 'rollout.shadow.set',
          entity: 'rollout',
        };
      });
    },

    async setOverride(by, input) {
      assertSubject(input.kind, input.subjectId);
      const reason = input.reason?.trim() || null;
      if (reason !== null && reason.length > MAX_REASON) {
        throw new InvalidInputError(`the reason must be at most ${MAX_REASON} characters`);
      }
      if (input.expiresAt !== undefined && input.expiresAt.getTime() <= clock().getTime()) {
        throw new OverrideExpiryInPastError(input.expiresAt.toISOString());
      }
      return change(by, async (trx, now) => {
        const before = await store.findOverride(trx, input.kind, input.subjectId);
        const override: RolloutOverride = {
          kind: input.kind,
          subjectId: input.subjectId,
          pipeline: input.pipeline,
          expiresAt: input.expiresAt?.toISOString() ?? null,
          reason,
          createdBy: by.actor,
          createdAt: now,
        };
        await store.upsertOverride(trx, override);
        const version = await store.bumpVersion(trx, by.actor, now);
        return {
          previous: before ? overrideValue(before) : null,
          new: overrideValue(override),
          version,
          action: 'override.set',
          entity: `${input.kind}:${input.subjectId}`,
        };
      });
    },

    async clearOverride(by, kind, subjectId) {
      assertSubject(kind, subjectId);
      return change(by, async (trx, now) => {
        const before = await store.findOverride(trx, kind, subjectId);
        if (!before) throw new OverrideNotFoundError(kind, subjectId);
        await store.deleteOverride(trx, kind, subjectId);
        const version = await store.bumpVersion(trx, by.actor, now);
        return {
          previous: overrideValue(before),
          new: null,
          version,
          action: 'override.cleared',
          entity: `${kind}:${subjectId}`,
        };
      });
    },

    async clearAllOverrides(by, options = {}) {
      const only = options.only ?? null;
      if (only !== null && only !== 'enable' && only !== 'disable') {
        throw new InvalidInputError(`only must be enable or disable, got ${JSON.stringify(only)}`);
      }
      const done = await change<OverrideListValue>(by, async (trx, now) => {
        const cleared = await store.deleteAllOverrides(
          trx,
          only === null ? undefined : only === 'enable' ? 'awf' : 'legacy',
        );
        const version = await store.bumpVersion(trx, by.actor, now);
        return {
          previous: cleared.map((override) => ({
            kind: override.kind,
            subjectId: override.subjectId,
            ...overrideValue(override),
          })),
          new: [],
          version,
          action: 'override.cleared_all',
          entity: 'overrides',
          ...(only === null ? {} : { details: { only } }),
        };
      });
      // Decided after the commit: on SQLite the read model cannot share the writing connection.
      const state = await store.readState(database.db);
      const sessionUsers = await deps.turnsReadModel.sessionUsers(
        done.previous.filter((o) => o.kind === 'session').map((o) => o.subjectId),
      );
      const nowMs = clock().getTime();
      const removed = { user: { enable: 0, disable: 0 }, session: { enable: 0, disable: 0 } };
      const released = {
        user: { total: 0, awf: 0, awfFromDisable: 0 },
        session: { total: 0, awf: 0, awfFromDisable: 0 },
      };
      for (const override of done.previous) {
        removed[override.kind][override.pipeline === 'awf' ? 'enable' : 'disable'] += 1;
        // A session's turns bucket on its stored user (an unknown session: on its own id, as an anonymous one).
        const subject =
          override.kind === 'user'
            ? { userId: override.subjectId }
            : {
                sessionId: override.subjectId,
                userId: sessionUsers.get(override.subjectId) ?? override.subjectId,
              };
        const landing = released[override.kind];
        landing.total += 1;
        if (decideFromState(state, env, subject, nowMs).pipeline === 'awf') {
          landing.awf += 1;
          if (override.pipeline === 'legacy' && !isOverrideExpired(override, nowMs))
            landing.awfFromDisable += 1;
        }
      }
      return { ...done, only, removed, released, kept: state.overrides.length };
    },

    async explain(subject) {
      if (subject.userId === undefined && subject.sessionId === undefined) {
        throw new InvalidInputError('name a user, a session or both to explain');
      }
      if (subject.userId !== undefined) assertSubject('user', subject.userId);
      if (subject.sessionId !== undefined) assertSubject('session', subject.sessionId);
      const state = await store.readState(database.db);
      const warnings: string[] = [];
      let userId = subject.userId;
      if (subject.sessionId !== undefined) {
        // The turn service decides a session's turns with the session's stored user.
        const storedUser = (await deps.turnsReadModel.sessionUsers([subject.sessionId])).get(
          subject.sessionId,
        );
        if (storedUser === undefined && userId === undefined) {
          userId = subject.sessionId;
          warnings.push(
            `session ${subject.sessionId} is not stored: explained as an anonymous session (its user id is the session id)`,
          );
        } else if (storedUser !== undefined && userId !== undefined && storedUser !== userId) {
          warnings.push(
            `session ${subject.sessionId} belongs to user ${storedUser}, not ${userId}: its turns decide with ${storedUser}, as explained here`,
          );
          userId = storedUser;
        } else userId ??= storedUser;
      }
      return explainRoute(state, env, { userId, sessionId: subject.sessionId }, clock().getTime(), warnings);
    },
  };
}

/** `force` must come with a reason (and a reason only with `force`). */
function checkGuardInput(input: RaiseGuardInput): { force: boolean; reason: string | undefined } {
  if (input.force !== undefined && typeof input.force !== 'boolean') {
    throw new InvalidInputError('force must be true or false');
  }
  const reason = typeof input.reason === 'string' ? input.reason.trim() : undefined;
  if (input.force === true && !reason) {
    throw new InvalidInputError('a forced change needs a reason: say why the rollout is raised anyway');
  }
  if (input.force !== true && input.reason !== undefined) {
    throw new InvalidInputError(
      'a reason goes with force (a raise past open critical SLO alerts, or a percentage set while a staged plan runs)',
    );
  }
  if (reason !== undefined && reason.length > MAX_REASON) {
    throw new InvalidInputError(`the reason must be at most ${MAX_REASON} characters`);
  }
  return { force: input.force === true, reason };
}

/**
 * What a change raises, in words (e.g. `percent 5 → 25`), or undefined when it raises nothing.
 * Raising: the percentage goes above the current effective one (the stored value, else
 * AWF_PERCENT_ROLLOUT, else 0), or the stored global flag goes from off or unset to on while the
 * percentage is above 0. Stored values, not this process's AWF_BUNDLE_ON: other instances route by them.
 */
function describeRaise(
  before: StoredRolloutState,
  input: RolloutSettingsInput,
  env: RolloutEnvironment,
): string | undefined {
  const fromPercent = resolveEffectiveRollout(before, env).percent.value;
  const toPercent = input.percent ?? fromPercent;
  const raises: string[] = [];
  if (input.globalEnabled === true && before.globalEnabled !== true && toPercent > 0) {
    raises.push(`global flag ${before.globalEnabled === null ? 'unset' : 'off'} → on at ${toPercent} %`);
  }
  if (toPercent > fromPercent) raises.push(`percent ${fromPercent} → ${toPercent}`);
  return raises.length === 0 ? undefined : raises.join(', ');
}

/** DESIGN §3's rows in order: the switches win over overrides; overrides over the flag and percent. */
function describeAwfTraffic(
  effective: EffectiveRollout,
  enableOverrides: number,
): { routesNobodyToAwf: boolean; why: string } {
  if (effective.emergencyFallback.value) return { routesNobodyToAwf: true, why: 'EMERGENCY_FALLBACK=true' };
  if (effective.legacyTurnEnabled.value) return { routesNobodyToAwf: true, why: 'LEGACY_TURN_ENABLED=true' };
  const flag = effective.globalEnabled;
  const percent = effective.percent.value;
  const bulk = !flag.value ? `global flag off (${flag.source})` : percent === 0 ? 'percent 0' : undefined;
  const overrides = `${enableOverrides} enable override${enableOverrides === 1 ? '' : 's'}`;
  if (bulk === undefined) {
    return {
      routesNobodyToAwf: false,
      why: `percent ${percent}, global flag on${enableOverrides > 0 ? `, ${overrides}` : ''}`,
    };
  }
  return enableOverrides > 0
    ? { routesNobodyToAwf: false, why: `${bulk}, but ${overrides}` }
    : { routesNobodyToAwf: true, why: bulk };
}

function overrideValue(override: RolloutOverride): OverrideValue {
  return { pipeline: override.pipeline, expiresAt: override.expiresAt, reason: override.reason };
}

function assertSubject(kind: OverrideKind, subjectId: string): void {
  if (kind !== 'user' && kind !== 'session')
    throw new InvalidInputError('override kind must be user or session');
  if (!SUBJECT_ID.test(subjectId)) {
    throw new InvalidInputError(
      `${kind} id ${JSON.stringify(subjectId)} is invalid: 1–128 of letters, digits and . _ : @ -, starting with a letter or digit`,
    );
  }
}
