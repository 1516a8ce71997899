import type { Pipeline } from '../game/game-types.js';
import { murmurhash3PrefixedMod } from '../shared/murmurhash3.js';

export type { Pipeline };

/** Which row of the precedence table decided (DESIGN §3). */
export type RouteReason =
  | 'emergency_fallback'
  | 'legacy_forced'
  | 'session_override'
  | 'user_override'
  | 'global_disabled'
  | 'percent_bucket'
  | 'rollout_state_unavailable'
  /** The caller named the pipeline (the seed's runAwfTurn / runLegacyTurn); the table was not consulted. */
  | 'direct_call';

export interface RouteDecision {
  pipeline: Pipeline;
  reason: RouteReason;
  /** The 0–9999 bucket, when the percentage row was reached. */
  bucket?: number;
}

/** Process-level switches from the environment: rows 1 and 2. */
export interface RoutingSwitches {
  emergencyFallback: boolean;
  legacyTurnEnabled: boolean;
}

/** The rollout state the router reads: in memory, refreshed elsewhere; rows 3–6. */
export interface RolloutSnapshot {
  globalEnabled: boolean;
  /** 0–100 with up to two decimals. */
  percent: number;
  /** The shadow rate, 0–100 with up to two decimals (issue 11); absent: 0. Read by the shadow runner. */
  shadowPercent?: number;
  /**
   * The unexpired override for a session or user at `now`, if any. `now` may be the clock itself, read
   * only when the subject has an override: a decision without one then reads no clock and allocates
   * nothing beyond its result (a ms timestamp is a boxed number).
   */
  sessionOverride(sessionId: string, now: Instant): Pipeline | undefined;
  userOverride(userId: string, now: Instant): Pipeline | undefined;
}

/** Milliseconds since the epoch, or a clock that gives them when asked. */
export type Instant = number | (() => number);

/** The instant's milliseconds (reads the clock when given one). */
export function instantMs(now: Instant): number {
  return typeof now === 'number' ? now : now();
}

export interface RouteSubject {
  sessionId: string;
  userId?: string;
}

export const BUCKETS = 10_000;

/** `murmurhash3_x86_32("awf:" + key, 0) mod 10000`, the player's stable rollout bucket. */
export function bucketOf(key: string): number {
  return murmurhash3PrefixedMod('awf:', key, 0, BUCKETS);
}

/** AWF iff bucket < percent × 100: raising the percent only ever adds buckets. */
export function isBucketEnabled(bucket: number, percent: number): boolean {
  return bucket < Math.round(percent * 100);
}

/**
 * The routing decision, top row first (DESIGN §3). Pure and in memory: no I/O, no audit row.
 * A snapshot that cannot be read (undefined) fails safe to legacy.
 */
export function decideRoute(
  switches: RoutingSwitches,
  snapshot: RolloutSnapshot | undefined,
  subject: RouteSubject,
  now: Instant,
): RouteDecision {
  if (switches.emergencyFallback) return { pipeline: 'legacy', reason: 'emergency_fallback' };
  if (switches.legacyTurnEnabled) return { pipeline: 'legacy', reason: 'legacy_forced' };
  if (!snapshot) return { pipeline: 'legacy', reason: 'rollout_state_unavailable' };
  const sessionOverride = snapshot.sessionOverride(subject.sessionId, now);
  if (sessionOverride) return { pipeline: sessionOverride, reason: 'session_override' };
  const userOverride = subject.userId === undefined ? undefined : snapshot.userOverride(subject.userId, now);
  if (userOverride) return { pipeline: userOverride, reason: 'user_override' };
  if (!snapshot.globalEnabled) return { pipeline: 'legacy', reason: 'global_disabled' };
  const bucket = bucketOf(subject.userId ?? subject.sessionId);
  return {
    pipeline: isBucketEnabled(bucket, snapshot.percent) ? 'awf' : 'legacy',
    reason: 'percent_bucket',
    bucket,
  };
}

/** A snapshot from the environment alone: AWF_BUNDLE_ON and AWF_PERCENT_ROLLOUT, no overrides. */
export function environmentSnapshot(
  envGlobalFlag: boolean | undefined,
  envPercent: number | undefined,
): RolloutSnapshot {
  return {
    globalEnabled: envGlobalFlag ?? false,
    percent: envPercent ?? 0,
    sessionOverride: () => undefined,
    userOverride: () => undefined,
  };
}

/** The one routing question every caller asks: the turn service, the seed's isAwfBundleEnabled, explain. */
export interface Router {
  decide(subject: RouteSubject): RouteDecision;
}

export interface RouterDeps {
  switches: RoutingSwitches;
  /** The current snapshot (undefined while the rollout state cannot be read: legacy). */
  snapshot(): RolloutSnapshot | undefined;
  /** Milliseconds since the epoch, for override expiry. */
  now?: () => number;
}

/** A router over a live snapshot: each call decides with whatever the snapshot says at that moment. */
export function createRouter(deps: RouterDeps): Router {
  const { switches, snapshot } = deps;
  const now = deps.now ?? Date.now;
  return { decide: (subject) => decideRoute(switches, snapshot(), subject, now) };
}

/** A router over the environment alone (switches, AWF_BUNDLE_ON, AWF_PERCENT_ROLLOUT; no store, no overrides). */
export function createEnvironmentRouter(env: {
  emergencyFallback: boolean;
  legacyTurnEnabled: boolean;
  envGlobalFlag: boolean | undefined;
  envPercent: number | undefined;
}): Router {
  const snapshot = environmentSnapshot(env.envGlobalFlag, env.envPercent);
  return createRouter({
    switches: { emergencyFallback: env.emergencyFallback, legacyTurnEnabled: env.legacyTurnEnabled },
    snapshot: () => snapshot,
  });
}
