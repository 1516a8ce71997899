import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Content } from '../content/content-types.js';
import { choicesFor } from '../content/scene-choices.js';
import type { Choice, GameState, Pipeline, Session, TurnRecord, TurnResult } from '../game/game-types.js';
import type { RouteDecision, Router } from '../rollout/route-decision.js';
import { AppError, NotFoundError } from '../shared/errors.js';
import type { SessionStore } from '../store/session-store.js';
import { applyActs } from './awf/acts-interpreter.js';
import type { AwfTurnOutcome, AwfTurnRequest } from './awf/awf-turn.js';
import type { RecentTurn } from './awf/bundle-assembler.js';
import type { LegacyTurnOutcome, LegacyTurnRequest } from './legacy/legacy-turn.js';
import { createRecentTurnsCache, type RecentTurnsCache } from './recent-turns-cache.js';
import { checkTurnInputLength, resolveTurnInput } from './turn-input.js';

/** A turn that produced no answer: the chosen pipeline and, for AWF, its legacy fallback both failed. */
export interface FailedTurn {
  decision: RouteDecision;
  session: Session;
  latencyMs: number;
  /** The stable code of the error the player got (e.g. LEGACY_UNAVAILABLE). */
  errorCode: string;
  /** For LEGACY_UNAVAILABLE, why legacy could not answer (provider_error, timeout, unparseable_answer). */
  reason?: string;
}

/** Something that wants to know about every turn (metrics, SLO aggregation). */
export interface TurnObserver {
  /**
   * A committed turn. `input` (as stored) and `before` (the session before the turn) let a shadow run
   * replay the turn; callers that synthesise events may leave them out.
   */
  onTurn(event: {
    result: TurnResult;
    decision: RouteDecision;
    session: Session;
    input?: string;
    before?: Session;
  }): void;
  /** A turn that failed outright, so the worst outages still reach the SLOs. */
  onTurnFailed?(event: FailedTurn): void;
}

export interface TurnServiceDeps {
  content: Content;
  sessions: SessionStore;
  /** The rollout capability's one decide(). */
  router: Router;
  runAwfTurn(request: AwfTurnRequest): Promise<AwfTurnOutcome>;
  runLegacyTurn(request: LegacyTurnRequest): Promise<LegacyTurnOutcome>;
  observers?: readonly TurnObserver[];
  clock?: () => Date;
  newSessionId?: () => string;
  /** Seed for a session that did not bring one. */
  newSeed?: () => number;
  onObserverError?: (error: unknown) => void;
  /** The recent turns each session's next AWF bundle shows (one per service by default). */
  recentTurnsCache?: RecentTurnsCache;
}

export interface StartSessionRequest {
  sessionId?: string;
  userId?: string;
  seed?: number;
}

export interface Opening {
  sessionId: string;
  userId: string;
  scene: string;
  txt: string;
  choices: Choice[];
}

/** How many earlier turns the AWF bundle shows the model. */
export const RECENT_TURNS = 3;

/**
 * A turn as the next bundles show it. Frozen: the same object travels from turn to turn, and the bundle
 * assembler writes its canonical JSON once per object.
 */
function recentTurn(turn: number, input: string, txt: string): RecentTurn {
  return Object.freeze({ turn, input, txt });
}

/** Sessions whose recent turns stay in memory, and for how long an idle one's are trusted. */
const RECENT_TURNS_CACHE = { capacity: 4096, maxAgeMs: 10 * 60_000 };

export interface TurnService {
  startSession(request: StartSessionRequest): Promise<Opening>;
  /**
   * Play one turn. The router decides the pipeline unless `options.pipeline` names it (the seed's
   * runAwfTurn / runLegacyTurn); an AWF turn still falls back to legacy when it cannot answer.
   */
  playTurn(sessionId: string, input: string, options?: { pipeline?: Pipeline }): Promise<TurnResult>;
  getSession(sessionId: string): Promise<{ session: Session; turns: TurnRecord[] }>;
}

/** Sessions and turns: route, run the chosen pipeline (falling back to legacy), apply acts, persist. */
export function createTurnService(deps: TurnServiceDeps): TurnService {
  const { content, sessions } = deps;
  const clock = deps.clock ?? (() => new Date());
  const recentCache = deps.recentTurnsCache ?? createRecentTurnsCache(RECENT_TURNS_CACHE);

  /** What the store holds as the session's last turns: from memory when the turn count still matches. */
  const recentTurnsOf = async (session: Session, nowMs: number): Promise<readonly RecentTurn[]> =>
    recentCache.get(session.sessionId, session.turnCount, nowMs) ??
    (await sessions.recentTurns(session.sessionId, { last: RECENT_TURNS })).map((turn) =>
      recentTurn(turn.turnNo, turn.input, turn.txt),
    );

  const loadSession = async (sessionId: string): Promise<Session> => {
    const session = await sessions.getSession(sessionId);
    if (!session) throw new NotFoundError('SESSION_NOT_FOUND', `no session with id ${sessionId}`);
    return session;
  };

  /** Tell every observer; one that throws is reported and does not stop the others or the turn. */
  const notify = (tell: (observer: TurnObserver) => void): void => {
    for (const observer of deps.observers ?? []) {
      try {
        tell(observer);
      } catch (error) {
        deps.onObserverError?.(error);
      }
    }
  };

  /** Run the routed pipeline; an AWF turn that cannot answer falls back to legacy with its reason. */
  const answer = async (
    decision: RouteDecision,
    turnId: string,
    base: LegacyTurnRequest,
    recentTurns: () => Promise<readonly RecentTurn[]>,
  ): Promise<Omit<TurnResult, 'latencyMs'>> => {
    const fromLegacy = (legacy: LegacyTurnOutcome) => ({
      turnId,
      pipeline: 'legacy' as const,
      txt: legacy.txt,
      choices: legacy.choices,
      scene: legacy.scene,
      acts: legacy.acts,
      sceneChange: false,
    });
    if (decision.pipeline === 'legacy') {
      const legacy = await deps.runLegacyTurn(base);
      return {
        ...fromLegacy(legacy),
        tokens: legacy.tokens,
        retried: false,
        fallback: false,
        bundleBytes: 0,
      };
    }
    const recent = await recentTurns();
    const awf = await deps.runAwfTurn({ ...base, recent });
    if (awf.ok) {
      return {
        turnId,
        pipeline: 'awf',
        ...awf.output,
        sceneChange: false,
        retried: awf.retried,
        fallback: false,
        tokens: awf.tokens,
        bundleBytes: awf.bundleBytes,
      };
    }
    const legacy = await deps.runLegacyTurn(base);
    return {
      ...fromLegacy(legacy),
      retried: awf.retried,
      fallback: true,
      fallbackReason: awf.reason,
      tokens: { in: awf.tokens.in + legacy.tokens.in, out: awf.tokens.out + legacy.tokens.out },
      bundleBytes: awf.bundleBytes,
    };
  };

  return {
    async startSession(request) {
      const sessionId = request.sessionId ?? deps.newSessionId?.() ?? randomUUID();
      // A player without an account is known by the session: bucketing on it matches `userId ?? sessionId`.
      const userId = request.userId ?? sessionId;
      const seed = request.seed ?? deps.newSeed?.() ?? Math.floor(Math.random() * 2 ** 31);
      const { start } = content;
      const state: GameState = {
        scene: start.scene,
        flags: { ...start.flags },
        inventory: [...start.inventory],
        relationships: { ...start.relationships },
      };
      const scene = content.scenesById.get(start.scene);
      if (!scene) throw new Error(`start scene "${start.scene}" is not in the adventure`);
      const choices = choicesFor(scene, state, content.contract.output.maxChoices);
      const now = clock().toISOString();
      await sessions.createSession({
        sessionId,
        userId,
        seed,
        state,
        turnCount: 0,
        lastChoices: choices,
        createdAt: now,
        updatedAt: now,
      });
      return { sessionId, userId, scene: scene.id, txt: `${start.opening}\n\n${scene.description}`, choices };
    },

    async playTurn(sessionId, rawInput, options) {
      checkTurnInputLength(rawInput);
      const session = await loadSession(sessionId);
      const input = resolveTurnInput(rawInput, session.lastChoices);
      const turnNo = session.turnCount + 1;
      const decision: RouteDecision = options?.pipeline
        ? { pipeline: options.pipeline, reason: 'direct_call' }
        : deps.router.decide({ sessionId, userId: session.userId });
      const started = performance.now();
      const base = { state: session.state, sessionSeed: session.seed, turnNo, input };

      const turnId = `${sessionId}:${turnNo}`;
      // Only an AWF turn reads the recent turns; when it did, this turn extends them in memory.
      let shown: readonly RecentTurn[] | undefined;
      let shownAt = 0;
      const recentTurns = async () => {
        shownAt = clock().getTime();
        shown = await recentTurnsOf(session, shownAt);
        return shown;
      };
      let result: Omit<TurnResult, 'latencyMs'>;
      try {
        result = await answer(decision, turnId, base, recentTurns);
      } catch (error) {
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        const errorCode = error instanceof AppError ? error.code : 'INTERNAL';
        const reason = error instanceof AppError ? error.details?.reason : undefined;
        const failed: FailedTurn = {
          decision,
          session,
          latencyMs,
          errorCode,
          ...(typeof reason === 'string' ? { reason } : {}),
        };
        notify((observer) => observer.onTurnFailed?.(failed));
        throw error;
      }

      const state = applyActs(session.state, result.acts);
      const final: TurnResult = {
        ...result,
        scene: state.scene,
        sceneChange: state.scene !== session.state.scene,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
      };
      const now = clock().toISOString();
      const updated: Session = {
        ...session,
        state,
        turnCount: turnNo,
        lastChoices: final.choices,
        updatedAt: now,
      };
      await sessions.commitTurn(updated, session.turnCount, {
        sessionId,
        userId: session.userId,
        turnNo,
        input,
        routeReason: decision.reason,
        result: final,
        createdAt: now,
      });
      if (shown !== undefined) {
        const recent = [...shown, recentTurn(turnNo, input, final.txt)].slice(-RECENT_TURNS);
        recentCache.remember(sessionId, turnNo, recent, shownAt);
      }
      notify((observer) =>
        observer.onTurn({ result: final, decision, session: updated, input, before: session }),
      );
      return final;
    },

    async getSession(sessionId) {
      const session = await loadSession(sessionId);
      return { session, turns: await sessions.listTurns(sessionId) };
    },
  };
}
