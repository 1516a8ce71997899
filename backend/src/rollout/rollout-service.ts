import { sql } from 'kysely';
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
import { OverrideExpiryInPastError, OverrideNotFoundError } from './rollout-errors.js';
import type { Executor, RolloutStore } from './rollout-store.js';
import type { TurnsReadModel } from './turns-read-model.js';

/** The PostgreSQL channel a change is announced on, so other instances reload at once. */
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
}

/** The stored global flag and percentage; null where nothing is stored. */
export interface RolloutSettings {
  globalEnabled: boolean | null;
  percent: number | null;
}

/** What `setRollout` changes: the global flag, the percentage, or both at once. */
export interface RolloutSettingsInput {
  globalEnabled?: boolean | undefined;
  percent?: number | undefined;
}

/** The canary rollout control plane: global flag, percentage, overrides and the distribution. */
export interface RolloutService {
  readState(): Promise<StoredRolloutState>;
  /** Effective values with sources as this process sees them, and every override. */
  status(): Promise<RolloutStatus>;
  listOverrides(): Promise<OverrideView[]>;
  distribution(since: Date): Promise<RolloutDistribution>;
  setPercent(by: Principal, percent: number): Promise<RolloutChange<number | null>>;
  setGlobalFlag(by: Principal, enabled: boolean): Promise<RolloutChange<boolean | null>>;
  /**
   * Sets the global flag and/or the percentage as one change: one transaction, one rate-limit
   * check and one audit entry — `rollout.set` with both previous and new values when both are
   * given, else the single field's `rollout.flag.set` / `rollout.percent.set`. Either both
   * apply or neither does.
   */
  setRollout(by: Principal, input: RolloutSettingsInput): Promise<RolloutChange<RolloutSettings>>;
  /**
   * Sets the shadow rate (issue 11): the share (0–100, two decimals) of legacy-routed turns on which
   * the AWF pipeline also runs after the answer was sent, never shown. One audit entry `rollout.shadow.set`.
   */
  setShadow(by: Principal, percent: number): Promise<RolloutChange<number>>;
  setOverride(by: Principal, input: OverrideInput): Promise<RolloutChange<OverrideValue | null>>;
  clearOverride(
    by: Principal,
    kind: OverrideKind,
    subjectId: string,
  ): Promise<RolloutChange<OverrideValue | null>>;
  clearAllOverrides(by: Principal): Promise<RolloutChange<OverrideListValue>>;
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
   * limit, the write, exactly one audit entry, and on PostgreSQL a NOTIFY delivered at commit.
   */
  const change = async <T>(
    by: Principal,
    work: (
      trx: Executor,
      now: string,
    ) => Promise<{ previous: T; new: T; version: number; action: string; entity: string }>,
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
        details: { previous: done.previous, new: done.new, version: done.version },
      });
      if (database.dialect === 'postgres') {
        await sql`select pg_notify(${ROLLOUT_CHANNEL}, ${String(done.version)})`.execute(trx);
      }
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
    let settings: { previous: RolloutSettings; new: RolloutSettings } | undefined;
    const done = await change<unknown>(by, async (trx, now) => {
      const before = await store.readState(trx);
      const previous: RolloutSettings = { globalEnabled: before.globalEnabled, percent: before.percent };
      const next: RolloutSettings = {
        globalEnabled: input.globalEnabled ?? previous.globalEnabled,
        percent: input.percent ?? previous.percent,
      };
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
      if (setsFlag && setsPercent) {
        return { previous, new: next, version, action: 'rollout.set', entity: 'rollout' };
      }
      return setsFlag
        ? {
            previous: previous.globalEnabled,
            new: next.globalEnabled,
            version,
            action: 'rollout.flag.set',
            entity: 'rollout',
          }
        : {
            previous: previous.percent,
            new: next.percent,
            version,
            action: 'rollout.percent.set',
            entity: 'rollout',
          };
    });
    const { previous, new: next } = settings as NonNullable<typeof settings>;
    return { previous, new: next, version: done.version, auditSeq: done.auditSeq };
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

    async setPercent(by, percent) {
      const done = await setRollout(by, { percent });
      return { ...done, previous: done.previous.percent, new: done.new.percent };
    },

    async setGlobalFlag(by, enabled) {
      const done = await setRollout(by, { globalEnabled: enabled });
      return { ...done, previous: done.previous.globalEnabled, new: done.new.globalEnabled };
    },

    setRollout,

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

    async clearAllOverrides(by) {
      return change(by, async (trx, now) => {
        const cleared = await store.deleteAllOverrides(trx);
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
        };
      });
    },
  };
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
