import { parseConfig } from '../config/config.js';
import type { Pipeline } from '../game/game-types.js';
import { createProcessSlot, type ProcessSlot } from '../shared/process-slot.js';
import { InvalidPercentError } from './rollout-errors.js';
import {
  BUCKETS,
  bucketOf,
  createEnvironmentRouter,
  type Instant,
  instantMs,
  isBucketEnabled,
  type RolloutSnapshot,
  type Router,
  type RouteSubject,
} from './route-decision.js';

export { BUCKETS, bucketOf, isBucketEnabled };

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
  /** Bumped by every change to the config or the overrides. */
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  overrides: RolloutOverride[];
}

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
    sessionOverride: (sessionId, now) => lookup(sessions, sessionId, now),
    userOverride: (userId, now) => lookup(users, userId, now),
  };
}

const PERCENT_PATTERN = /^\d{1,3}(\.\d{1,2})?$/;

/** A percent as typed (`25`, `12.5`, `0.01`): 0–100, at most two decimals; else ROLLOUT_INVALID_PERCENT. */
export function parsePercent(text: string): number {
  const value = Number(text);
  if (!PERCENT_PATTERN.test(text) || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidPercentError(text);
  }
  return value;
}

/**
 * The same rule for a number that arrived already parsed (the HTTP body), applied to the number's own
 * shortest decimal form, exactly as the CLI applies it to the typed text: 25.000000001 is refused rather
 * than stored as 25 while the audit entry says otherwise.
 */
export function assertPercent(value: number): number {
  if (!Number.isFinite(value)) throw new InvalidPercentError(String(value));
  return parsePercent(String(value));
}

/** Percent ↔ the stored integer hundredths (exact for two decimals). */
export const percentToHundredths = (percent: number): number => Math.round(percent * 100);
export const hundredthsToPercent = (hundredths: number): number => hundredths / 100;

/** The process's router, filled by the composition root; unwired, a router over the environment alone. */
export const processRouter: ProcessSlot<Router> = createProcessSlot(() => {
  const { rollout } = parseConfig(process.env);
  return createEnvironmentRouter(rollout);
});

/**
 * The seed's `isAwfBundleEnabled({sessionId})`: whether this process would route the subject's next
 * turn to AWF. Without wired services it reads only the environment (LEGACY_TURN_ENABLED and
 * EMERGENCY_FALLBACK, AWF_BUNDLE_ON, AWF_PERCENT_ROLLOUT), as the seed's snippet does.
 */
export function isAwfBundleEnabled(subject: RouteSubject): boolean {
  return processRouter.get().decide(subject).pipeline === 'awf';
}
