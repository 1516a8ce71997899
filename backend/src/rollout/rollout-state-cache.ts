import type { ChannelListener, DialectAdapter } from '../store/dialect-adapter.js';
import {
  buildRolloutSnapshot,
  isOverrideExpired,
  type RolloutEnvironment,
  type StoredRolloutState,
} from './canary-rollout.js';
import { ROLLOUT_CHANNEL } from './rollout-service.js';
import type { Executor, RolloutStore } from './rollout-store.js';
import type { RolloutSnapshot } from './route-decision.js';

/**
 * The router's view of the stored rollout state: an in-memory snapshot, re-read when the stored
 * version moves. Polling (every `intervalMs`, ≤ 500 ms) is the backstop; listening on the change
 * channel (PostgreSQL: LISTEN) reloads at once. When a read fails the snapshot is dropped, so decisions fail
 * safe to legacy until a read succeeds again.
 */
export interface RolloutStateCache {
  /** The current snapshot; undefined while the state cannot be read. */
  current(): RolloutSnapshot | undefined;
  /** Effective flag and percent and the unexpired override counts, for metrics; undefined as above. */
  summary(now: number): RolloutSummary | undefined;
  /** Re-reads now (when the version moved, or `force`). */
  refresh(options?: { force?: boolean }): Promise<void>;
  /** Starts polling and listening. */
  start(): void;
  /**
   * Calls `listener` after each reload that replaced the snapshot (the stored version moved, or the
   * state became readable again); returns the unsubscribe. Listeners must not throw.
   */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

export interface RolloutSummary {
  globalEnabled: boolean;
  percent: number;
  overrides: { user: number; session: number };
}

export interface RolloutStateCacheDeps {
  db: Executor;
  store: RolloutStore;
  env: RolloutEnvironment;
  intervalMs: number;
  /** Where change notifications are heard (the database's adapter); without it, polling alone. */
  notifications?: Pick<DialectAdapter, 'listen'> | undefined;
  /** Told once when reading starts failing, and once when it recovers. */
  onStateError?: (error: unknown) => void;
  onStateRecovered?: () => void;
}

export function createRolloutStateCache(deps: RolloutStateCacheDeps): RolloutStateCache {
  let snapshot: RolloutSnapshot | undefined;
  let overrides: StoredRolloutState['overrides'] = [];
  let loadedVersion: number | undefined;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let pendingForce = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: ChannelListener | undefined;
  let stopped = false;
  const listeners = new Set<() => void>();

  const load = async (force: boolean): Promise<void> => {
    try {
      const version = await deps.store.readVersion(deps.db);
      if (force || snapshot === undefined || version !== loadedVersion) {
        const state = await deps.store.readState(deps.db);
        const changed = snapshot === undefined || state.version !== loadedVersion;
        snapshot = buildRolloutSnapshot(state, deps.env);
        overrides = state.overrides;
        loadedVersion = state.version;
        if (changed) for (const listener of listeners) listener();
      }
      if (failing) {
        failing = false;
        deps.onStateRecovered?.();
      }
    } catch (error) {
      snapshot = undefined;
      loadedVersion = undefined;
      if (!failing) {
        failing = true;
        deps.onStateError?.(error);
      }
    }
  };

  const refresh = async (options: { force?: boolean } = {}): Promise<void> => {
    // One read at a time; a request during a read schedules exactly one more after it.
    pendingForce ||= options.force ?? false;
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        const force = pendingForce;
        pendingForce = false;
        await load(force);
      } while (again && !stopped);
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    current: () => snapshot,
    summary(now) {
      if (!snapshot) return undefined;
      const counts = { user: 0, session: 0 };
      for (const override of overrides) if (!isOverrideExpired(override, now)) counts[override.kind] += 1;
      return { globalEnabled: snapshot.globalEnabled, percent: snapshot.percent, overrides: counts };
    },
    refresh,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (timer) return;
      stopped = false;
      timer = setInterval(() => void refresh(), deps.intervalMs);
      timer.unref();
      // Reload on every notification, and after every (re)connect for what changed while not listening.
      listener = deps.notifications?.listen(ROLLOUT_CHANNEL, () => void refresh(), {
        onConnect: () => void refresh(),
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      const closing = listener;
      listener = undefined;
      await closing?.close();
      await inFlight;
    },
  };
}
