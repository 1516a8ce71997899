import type { Pipeline } from '../game/game-types.js';
import {
  buildRolloutSnapshot,
  type EffectiveRollout,
  isOverrideExpired,
  type OverrideKind,
  type RolloutEnvironment,
  type RolloutOverride,
  resolveEffectiveRollout,
  type StoredRolloutState,
} from './canary-rollout.js';
import { BUCKETS, bucketOf, decideRoute, type RouteDecision, type RouteReason } from './route-decision.js';

/**
 * Who to explain, as an operator names them: a user, a session, or both. A session's turns decide with
 * the session's stored user (the turn service does), so `sessionUser` is that user when known.
 */
export interface ExplainSubject {
  userId?: string | undefined;
  sessionId?: string | undefined;
}

/** An override as the explanation shows it: its state at the moment and whether it decided. */
export interface OverrideExplanation {
  kind: OverrideKind;
  subjectId: string;
  pipeline: Pipeline;
  expiresAt: string | null;
  reason: string | null;
  createdBy: string;
  createdAt: string;
  state: 'active' | 'expired';
}

/** Why the router sends a subject where it does: every input of the decision and the decision itself. */
export interface RouteExplanation {
  /** The ids the decision used: `userId` is the session's stored user when only the session was named. */
  subject: { userId: string | null; sessionId: string | null };
  pipeline: Pipeline;
  reason: RouteReason;
  /** `murmurhash3_x86_32("awf:" + key, 0) mod 10000`, key = userId ?? sessionId. */
  bucket: { key: string; value: number };
  /** Buckets below it are on AWF when the percentage decides: round(percent × 100), 0–10000. */
  threshold: number;
  /** Whether the bucket is below the threshold (what the percentage row would say). */
  inRollout: boolean;
  switches: Pick<EffectiveRollout, 'emergencyFallback' | 'legacyTurnEnabled'>;
  globalEnabled: EffectiveRollout['globalEnabled'];
  percent: EffectiveRollout['percent'];
  /** The stored overrides for this session and user (expired ones too: they no longer apply). */
  overrides: { session: OverrideExplanation | null; user: OverrideExplanation | null };
  /** The stored state's version the decision read. */
  version: number;
  evaluatedAt: string;
  /** Env/store disagreements and switches, and anything odd about the subject. */
  warnings: string[];
}

/**
 * The decision for `subject` over a stored state and a process environment: the same snapshot the
 * state cache builds and the same decideRoute the router runs. Without a session id, session overrides
 * are not consulted (there is no session to match), and the user id keys the bucket.
 */
export function decideFromState(
  state: StoredRolloutState,
  env: RolloutEnvironment,
  subject: ExplainSubject,
  now: number,
): RouteDecision {
  const snapshot = buildRolloutSnapshot(state, env);
  const { userId, sessionId } = subject;
  if (sessionId === undefined && userId === undefined) throw new Error('decideFromState: no subject');
  return decideRoute(
    { emergencyFallback: env.emergencyFallback, legacyTurnEnabled: env.legacyTurnEnabled },
    sessionId === undefined ? { ...snapshot, sessionOverride: () => undefined } : snapshot,
    // With no session, the placeholder is never read: the session row is skipped and userId keys the bucket.
    { sessionId: sessionId ?? '', ...(userId === undefined ? {} : { userId }) },
    now,
  );
}

/** Explains the decision for `subject` (at least one id) from the stored state and the environment. */
export function explainRoute(
  state: StoredRolloutState,
  env: RolloutEnvironment,
  subject: ExplainSubject,
  now: number,
  extraWarnings: readonly string[] = [],
): RouteExplanation {
  const effective = resolveEffectiveRollout(state, env);
  const decision = decideFromState(state, env, subject, now);
  const key = subject.userId ?? (subject.sessionId as string);
  const bucket = decision.bucket ?? bucketOf(key);
  const threshold = Math.min(BUCKETS, Math.round(effective.percent.value * 100));
  const find = (kind: OverrideKind, id: string | undefined): OverrideExplanation | null => {
    if (id === undefined) return null;
    const found = state.overrides.find((o) => o.kind === kind && o.subjectId === id);
    return found ? overrideExplanation(found, now) : null;
  };
  return {
    subject: { userId: subject.userId ?? null, sessionId: subject.sessionId ?? null },
    pipeline: decision.pipeline,
    reason: decision.reason,
    bucket: { key, value: bucket },
    threshold,
    inRollout: bucket < threshold,
    switches: {
      emergencyFallback: effective.emergencyFallback,
      legacyTurnEnabled: effective.legacyTurnEnabled,
    },
    globalEnabled: effective.globalEnabled,
    percent: effective.percent,
    overrides: { session: find('session', subject.sessionId), user: find('user', subject.userId) },
    version: effective.version,
    evaluatedAt: new Date(now).toISOString(),
    warnings: [...extraWarnings, ...effective.warnings],
  };
}

function overrideExplanation(override: RolloutOverride, now: number): OverrideExplanation {
  return { ...override, state: isOverrideExpired(override, now) ? 'expired' : 'active' };
}

const onOff = (value: boolean): string => (value ? 'on' : 'off');

const REASON_TEXT: Record<RouteReason, string> = {
  emergency_fallback: 'EMERGENCY_FALLBACK=true sends every turn to legacy',
  legacy_forced: 'LEGACY_TURN_ENABLED=true sends every turn to legacy',
  session_override: "the session's override decides",
  user_override: "the user's override decides",
  global_disabled: 'the global flag is off',
  percent_bucket: 'the bucket against the percentage decides',
  rollout_state_unavailable: 'the rollout state cannot be read: legacy',
  direct_call: 'the caller named the pipeline',
};

/** The text of `awf-override.ts --explain`: one line per input, the deciding one marked with `→`. */
export function formatExplanation(e: RouteExplanation): string[] {
  const who = [
    e.subject.userId === null ? null : `user ${e.subject.userId}`,
    e.subject.sessionId === null ? null : `session ${e.subject.sessionId}`,
  ]
    .filter(Boolean)
    .join(' in ');
  const mark = (reason: RouteReason | RouteReason[]) =>
    (Array.isArray(reason) ? reason : [reason]).includes(e.reason) ? '→ ' : '  ';
  const override = (o: OverrideExplanation | null, applies: RouteReason): string => {
    if (o === null) return 'none';
    const what = o.pipeline === 'awf' ? 'enable (awf)' : 'disable (legacy)';
    const expiry =
      o.expiresAt === null
        ? 'no expiry'
        : o.state === 'expired'
          ? `EXPIRED ${o.expiresAt} (no longer applies)`
          : `expires ${o.expiresAt}`;
    const reason = o.reason ? `  reason: ${JSON.stringify(o.reason)}` : '';
    return `${what}, ${expiry}, by ${o.createdBy} at ${o.createdAt}${reason}${e.reason === applies ? '' : o.state === 'active' ? '  (not reached)' : ''}`;
  };
  const src = (value: { source: string; env: unknown; store: unknown }) =>
    `source: ${value.source}; env ${value.env ?? 'unset'}, store ${value.store ?? 'unset'}`;
  const g = e.globalEnabled;
  const p = e.percent;
  return [
    `route of ${who}: ${e.pipeline} (reason: ${e.reason}: ${REASON_TEXT[e.reason]})`,
    `  as this process sees it, rollout state version ${e.version}, at ${e.evaluatedAt}`,
    `${mark('emergency_fallback')}emergency fallback  ${onOff(e.switches.emergencyFallback.value)}  (source: ${e.switches.emergencyFallback.source})`,
    `${mark('legacy_forced')}legacy forced       ${onOff(e.switches.legacyTurnEnabled.value)}  (source: ${e.switches.legacyTurnEnabled.source})`,
    `${mark('session_override')}session override    ${e.subject.sessionId === null ? 'not consulted (no session named)' : override(e.overrides.session, 'session_override')}`,
    `${mark('user_override')}user override       ${override(e.overrides.user, 'user_override')}`,
    `${mark('global_disabled')}global flag         ${onOff(g.value)}  (${src({ source: g.source, env: g.env === null ? null : onOff(g.env), store: g.store === null ? null : onOff(g.store) })})`,
    `${mark('percent_bucket')}bucket              ${e.bucket.value} (key "awf:${e.bucket.key}"), threshold ${e.threshold} = percent ${p.value} × 100 (${src(p)}): ${e.inRollout ? `${e.bucket.value} < ${e.threshold}, in the rollout (awf)` : `${e.bucket.value} ≥ ${e.threshold}, outside the rollout (legacy)`}`,
    ...e.warnings.map((warning) => `  warning: ${warning}`),
  ];
}
