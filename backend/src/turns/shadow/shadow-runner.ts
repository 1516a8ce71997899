import { performance } from 'node:perf_hooks';
import type { FallbackReason, GameState, TokenUsage } from '../../game/game-types.js';
import type { AwfTurnOutcome, AwfTurnRequest } from '../awf/awf-turn.js';
import type { RecentTurn } from '../awf/bundle-assembler.js';
import type { TurnObserver } from '../turn-service.js';
import { compareWithServed, type ShadowAgreement } from './shadow-comparison.js';
import { isShadowSampled } from './shadow-sampling.js';

/** How a shadow run ended: what the player would have got had the turn been routed to AWF. */
export type ShadowOutcome = 'valid_first' | 'valid_after_retry' | 'would_fall_back';

/** One finished shadow run: never shown, never applied, only counted. */
export interface ShadowRun {
  sessionId: string;
  turnNo: number;
  outcome: ShadowOutcome;
  /** The first output was invalid and a repair retry was made. */
  retried: boolean;
  /** Why it would have fallen back (outcome would_fall_back). */
  fallbackReason?: FallbackReason;
  /** The AWF pipeline's time for this run (recent turns read, bundle, model, validation), ms. */
  latencyMs: number;
  tokens: TokenUsage;
  bundleBytes: number;
  /** Agreement with the served answer; absent when the run would have fallen back. */
  agreement?: ShadowAgreement;
}

/** Why a sampled turn's shadow run did not run. */
export type ShadowDropReason = 'queue_full' | 'rate_cap' | 'shutdown' | 'error';

export const SHADOW_DROP_REASONS: readonly ShadowDropReason[] = [
  'queue_full',
  'rate_cap',
  'shutdown',
  'error',
];

/** Who counts shadow runs (the SLO aggregates, the Prometheus metrics). Must not throw; a throw is reported. */
export interface ShadowObserver {
  onShadowRun(run: ShadowRun): void;
  onShadowDropped(reason: ShadowDropReason, at: { sessionId: string; turnNo: number }): void;
}

/** AWF_SHADOW_* (per instance). */
export interface ShadowSettings {
  /** AWF_SHADOW_CONCURRENCY: shadow runs at once. */
  concurrency: number;
  /** AWF_SHADOW_QUEUE: sampled turns waiting for a free slot; beyond it a run is dropped. */
  queueSize: number;
  /** AWF_SHADOW_MAX_PER_MINUTE: runs admitted per clock minute; beyond it a run is dropped. */
  maxPerMinute: number;
}

export interface ShadowRunnerDeps {
  settings: ShadowSettings;
  /** The stored shadow rate from the router's snapshot (0 when it cannot be read): in memory. */
  shadowPercent(): number;
  /** The AWF pipeline on the AWF provider: the same bundle, validator and one repair retry as a turn. */
  runAwfTurn(request: AwfTurnRequest): Promise<AwfTurnOutcome>;
  /** The turns the bundle shows the model: the last few before `turnNo`, oldest first. */
  recentTurns(sessionId: string, beforeTurnNo: number): Promise<RecentTurn[]>;
  observers: readonly ShadowObserver[];
  /** Epoch ms, for the per-minute cap. */
  now?: () => number;
  /** A shadow run or an observer failed: logged, never the player's concern. */
  onError?: (error: unknown) => void;
}

export interface ShadowStats {
  queued: number;
  running: number;
  completed: number;
  dropped: Record<ShadowDropReason, number>;
}

/**
 * Runs the AWF pipeline on sampled legacy-routed turns after their answer was sent (issue 11): its
 * `observer` joins the turn service's observers, and for a committed legacy-routed turn whose shadow
 * bucket is under the shadow rate it schedules (setImmediate) a job on a bounded queue. The job never
 * touches the session or the turn record; what it yields is counted by the shadow observers.
 */
export interface ShadowRunner {
  readonly observer: TurnObserver;
  stats(): ShadowStats;
  /** Resolves once nothing is scheduled, queued or running (tests, the golden proof). */
  idle(): Promise<void>;
  /**
   * Stops admitting runs, drops the queued ones (reason shutdown) and waits for running ones at most
   * `timeoutMs`; those still running then are abandoned and counted as dropped (shutdown).
   */
  close(timeoutMs?: number): Promise<void>;
}

/** What one sampled turn brings to its shadow run. */
interface ShadowJob {
  sessionId: string;
  turnNo: number;
  input: string;
  before: { state: GameState; seed: number };
  served: Parameters<typeof compareWithServed>[2];
}

interface RunningJob {
  job: ShadowJob;
  abandoned: boolean;
}

/** Within main.ts's 4.5 s stop bound, leaving time for the SLO flush and the store to close. */
export const SHADOW_CLOSE_TIMEOUT_MS = 1500;

const MINUTE_MS = 60_000;

export function createShadowRunner(deps: ShadowRunnerDeps): ShadowRunner {
  const { settings } = deps;
  const now = deps.now ?? Date.now;
  const queue: ShadowJob[] = [];
  const running = new Set<RunningJob>();
  const dropped: Record<ShadowDropReason, number> = { queue_full: 0, rate_cap: 0, shutdown: 0, error: 0 };
  let completed = 0;
  let scheduled = 0;
  let closed = false;
  let capMinute = -1;
  let admittedThisMinute = 0;
  let idleWaiters: Array<() => void> = [];

  const tell = (fn: (observer: ShadowObserver) => void): void => {
    for (const observer of deps.observers) {
      try {
        fn(observer);
      } catch (error) {
        deps.onError?.(error);
      }
    }
  };

  const drop = (reason: ShadowDropReason, job: ShadowJob): void => {
    dropped[reason] += 1;
    tell((observer) => observer.onShadowDropped(reason, { sessionId: job.sessionId, turnNo: job.turnNo }));
  };

  const isIdle = () => scheduled === 0 && queue.length === 0 && running.size === 0;
  const settle = (): void => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const run = async (entry: RunningJob): Promise<void> => {
    const { job } = entry;
    const started = performance.now();
    try {
      const recent = await deps.recentTurns(job.sessionId, job.turnNo);
      const outcome = await deps.runAwfTurn({
        state: job.before.state,
        sessionSeed: job.before.seed,
        turnNo: job.turnNo,
        input: job.input,
        recent,
      });
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      if (entry.abandoned) return;
      const shadowRun: ShadowRun = {
        sessionId: job.sessionId,
        turnNo: job.turnNo,
        outcome: !outcome.ok ? 'would_fall_back' : outcome.retried ? 'valid_after_retry' : 'valid_first',
        retried: outcome.retried,
        ...(outcome.ok ? {} : { fallbackReason: outcome.reason }),
        latencyMs,
        tokens: outcome.tokens,
        bundleBytes: outcome.bundleBytes,
        ...(outcome.ok ? { agreement: compareWithServed(job.before.state, outcome.output, job.served) } : {}),
      };
      completed += 1;
      tell((observer) => observer.onShadowRun(shadowRun));
    } catch (error) {
      if (entry.abandoned) return;
      drop('error', job);
      deps.onError?.(error);
    }
  };

  const start = (job: ShadowJob): void => {
    const entry: RunningJob = { job, abandoned: false };
    running.add(entry);
    void run(entry).finally(() => {
      running.delete(entry);
      const next = closed ? undefined : queue.shift();
      if (next) start(next);
      settle();
    });
  };

  const admit = (job: ShadowJob): void => {
    if (closed) {
      drop('shutdown', job);
      return;
    }
    const minute = Math.floor(now() / MINUTE_MS);
    if (minute !== capMinute) {
      capMinute = minute;
      admittedThisMinute = 0;
    }
    if (running.size >= settings.concurrency && queue.length >= settings.queueSize) {
      drop('queue_full', job);
    } else if (admittedThisMinute >= settings.maxPerMinute) {
      drop('rate_cap', job);
    } else {
      admittedThisMinute += 1;
      if (running.size < settings.concurrency) start(job);
      else queue.push(job);
    }
  };

  const idle = (): Promise<void> =>
    isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));

  return {
    observer: {
      onTurn({ result, decision, session, input, before }) {
        // Only turns a player got from legacy by routing; the kill switch stops shadow calls too.
        if (input === undefined || before === undefined) return;
        if (decision.pipeline !== 'legacy' || decision.reason === 'emergency_fallback') return;
        const turnNo = session.turnCount;
        if (!isShadowSampled(session.sessionId, turnNo, deps.shadowPercent())) return;
        const job: ShadowJob = {
          sessionId: session.sessionId,
          turnNo,
          input,
          before: { state: before.state, seed: before.seed },
          served: {
            scene: result.scene,
            sceneChange: result.sceneChange,
            acts: result.acts,
            choices: result.choices,
          },
        };
        // After the turn's promise resolved and its answer went out: never on the player's path.
        scheduled += 1;
        setImmediate(() => {
          scheduled -= 1;
          admit(job);
          settle();
        });
      },
    },
    stats: () => ({ queued: queue.length, running: running.size, completed, dropped: { ...dropped } }),
    idle,
    async close(timeoutMs = SHADOW_CLOSE_TIMEOUT_MS) {
      closed = true;
      for (const job of queue.splice(0)) drop('shutdown', job);
      if (running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const finished = idle().then(() => 'idle' as const);
        const winner = await Promise.race([finished, timedOut]);
        clearTimeout(timer);
        if (winner === 'timeout') {
          for (const entry of running) {
            entry.abandoned = true;
            drop('shutdown', entry.job);
          }
          running.clear();
        }
      }
      // Turns whose setImmediate has not fired yet are dropped by admit() once it does.
      if (scheduled > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      settle();
    },
  };
}
