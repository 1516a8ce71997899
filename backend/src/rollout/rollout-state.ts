import type { Pipeline } from '../game/game-types.js';
import { type Instant, instantMs, type RolloutSnapshot } from './route-decision.js';

/*
 * The stored rollout state and how a process resolves it against its environment: the model every
 * reader shares (the state cache, the service, the store, the unwired seed accessor). It imports no
 * store or service, so each of them can depend on it without a cycle; canary-rollout.ts re-exports it.
 */

export type OverrideKind = 'user' | 'session';

/** A stored per-user or per-session override (DESIGN §3 rows 3–4). */
export interface RolloutOverride {
  kind: OverrideKind;
  subjectId: string;
  pipeline: Pipeline;
  /** ISO 8601; null: no expiry. */
  expiresAt: string | null;
  reason: string | null;
  createdBy: string;
  createdAt: string;
}

/** What the store holds; null means nothing stored for that value. */
export interface StoredRolloutState {
  globalEnabled: boolean | null;
  percent: number | null;
  /**
   * The shadow rate (issue 11): the share of legacy-routed turns on which AWF also runs, unseen; 0 when
   * none is stored. Optional so states written before it read as 0.
   */
  shadowPercent?: number;
  /** Bumped by every change to the config or the overrides. */
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  overrides: RolloutOverride[];
}

/** Nothing stored: what a store holds before its first change (and before it is even migrated). */
export const NOTHING_STORED: StoredRolloutState = Object.freeze({
  globalEnabled: null,
  percent: null,
  version: 0,
  updatedAt: null,
  updatedBy: null,
  overrides: [],
});

/** The process's rollout-related environment (config.rollout). */
export interface RolloutEnvironment {
  envGlobalFlag: boolean | undefined;
  envPercent: number | undefined;
  legacyTurnEnabled: boolean;
  emergencyFallback: boolean;
}

export type ValueSource = 'env' | 'store' | 'default';

export interface SourcedValue<T> {
  value: T;
  source: ValueSource;
  /** What the environment says (null: unset). */
  env: T | null;
  /** What the store says (null: nothing stored). */
  store: T | null;
}

/** Every effective rollout value with where it came from, and the env/store disagreements. */
export interface EffectiveRollout {
  emergencyFallback: { value: boolean; source: 'env' | 'default' };
  legacyTurnEnabled: { value: boolean; source: 'env' | 'default' };
  globalEnabled: SourcedValue<boolean>;
  percent: SourcedValue<number>;
  /** The stored shadow rate (0 when none is stored); only the store sets it. */
  shadowPercent: number;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  warnings: string[];
}

const onOff = (value: boolean): string => (value ? 'on' : 'off');

/**
 * DESIGN §3: AWF_BUNDLE_ON, when set, is authoritative; otherwise the stored flag, default off. The
 * stored percent applies; AWF_PERCENT_ROLLOUT only while none is stored; default 0.
 */
export function resolveEffectiveRollout(
  stored: Omit<StoredRolloutState, 'overrides'>,
  env: RolloutEnvironment,
): EffectiveRollout {
  const warnings: string[] = [];
  const globalEnabled: SourcedValue<boolean> = {
    value: env.envGlobalFlag ?? stored.globalEnabled ?? false,
    source: env.envGlobalFlag !== undefined ? 'env' : stored.globalEnabled !== null ? 'store' : 'default',
    env: env.envGlobalFlag ?? null,
    store: stored.globalEnabled,
  };
  const percent: SourcedValue<number> = {
    value: stored.percent ?? env.envPercent ?? 0,
    source: stored.percent !== null ? 'store' : env.envPercent !== undefined ? 'env' : 'default',
    env: env.envPercent ?? null,
    store: stored.percent,
  };
  if (env.emergencyFallback) warnings.push('EMERGENCY_FALLBACK=true: every turn goes to legacy');
  else if (env.legacyTurnEnabled) warnings.push('LEGACY_TURN_ENABLED=true: every turn goes to legacy');
  if (
    globalEnabled.env !== null &&
    globalEnabled.store !== null &&
    globalEnabled.env !== globalEnabled.store
  ) {
    warnings.push(
      `AWF_BUNDLE_ON=${globalEnabled.env} in this process's environment overrides the stored global flag (${onOff(globalEnabled.store)})`,
    );
  }
  if (percent.env !== null && percent.store !== null && percent.env !== percent.store) {
    warnings.push(
      `AWF_PERCENT_ROLLOUT=${percent.env} is ignored: the stored percentage (${percent.store}) applies; change it with awf-rollout-set.ts --percent`,
    );
  }
  return {
    emergencyFallback: { value: env.emergencyFallback, source: env.emergencyFallback ? 'env' : 'default' },
    legacyTurnEnabled: { value: env.legacyTurnEnabled, source: env.legacyTurnEnabled ? 'env' : 'default' },
    globalEnabled,
    percent,
    shadowPercent: stored.shadowPercent ?? 0,
    version: stored.version,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
    warnings,
  };
}

/** Whether the override is past its expiry at `now` (ms). */
export function isOverrideExpired(override: Pick<RolloutOverride, 'expiresAt'>, now: number): boolean {
  return override.expiresAt !== null && Date.parse(override.expiresAt) <= now;
}

/**
 * The router's in-memory snapshot of a stored state: override lookups are a map get and a number
 * compare, so deciding stays allocation-free.
 */
export function buildRolloutSnapshot(state: StoredRolloutState, env: RolloutEnvironment): RolloutSnapshot {
  const effective = resolveEffectiveRollout(state, env);
  const users = new Map<string, { pipeline: Pipeline; expiresAtMs: number }>();
  const sessions = new Map<string, { pipeline: Pipeline; expiresAtMs: number }>();
  for (const override of state.overrides) {
    const entry = {
      pipeline: override.pipeline,
      expiresAtMs: override.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(override.expiresAt),
    };
    (override.kind === 'user' ? users : sessions).set(override.subjectId, entry);
  }
  const lookup = (map: typeof users, id: string, now: Instant): Pipeline | undefined => {
    if (map.size === 0) return undefined; // the usual case: no override of this kind at all
    const entry = map.get(id);
    return entry !== undefined && instantMs(now) < entry.expiresAtMs ? entry.pipeline : undefined;
  };
  return {
    globalEnabled: effective.globalEnabled.value,
    percent: effective.percent.value,
    shadowPercent: effective.shadowPercent,
    sessionOverride: (sessionId, now) => lookup(sessions, sessionId, now),
    userOverride: (userId, now) => lookup(users, userId, now),
  };
}

/** Percent ↔ the stored integer hundredths (exact for two decimals). */
export const percentToHundredths = (percent: number): number => Math.round(percent * 100);
export const hundredthsToPercent = (hundredths: number): number => hundredths / 100;
