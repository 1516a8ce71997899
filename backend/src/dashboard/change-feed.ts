/** What the dashboard watches: when any of these moves, an open page re-reads its panels. */
export interface ChangeState {
  /** How many times this process reloaded the stored rollout state (its routing changed). */
  rolloutReloads: number;
  /** The audit head's seq: every admin change (CLI, page, plan, alert) appends one entry. */
  auditSeq: number;
  /** The current minute: the SLO aggregates gain a minute. */
  minute: number;
}

export interface ChangeFeedDeps {
  auditHeadSeq(): Promise<number>;
  /** Tells the feed the rollout state was reloaded (the rollout cache's onChange); returns the unsubscribe. */
  onRolloutChange(listener: () => void): () => void;
  now?: () => number;
  /** How often the audit head and the minute are checked while a page listens (ms). */
  pollMs?: number;
}

/**
 * Fans one change check out to every open dashboard stream: it polls only while someone listens (one
 * audit-head read per interval whatever the number of pages) and tells each listener the new state.
 */
export interface ChangeFeed {
  current(): Promise<ChangeState>;
  subscribe(listener: (state: ChangeState) => void): () => void;
  close(): void;
}

const DEFAULT_POLL_MS = 500;

export function createChangeFeed(deps: ChangeFeedDeps): ChangeFeed {
  const now = deps.now ?? Date.now;
  const listeners = new Set<(state: ChangeState) => void>();
  let last: ChangeState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let rolloutReloads = 0;
  const unwatch = deps.onRolloutChange(() => {
    rolloutReloads += 1;
    if (timer) void check();
  });

  const current = async (): Promise<ChangeState> => ({
    rolloutReloads,
    auditSeq: await deps.auditHeadSeq(),
    minute: Math.floor(now() / 60_000),
  });

  const check = (): Promise<void> => {
    checking ??= current()
      .then((state) => {
        const moved =
          last !== undefined &&
          (state.rolloutReloads !== last.rolloutReloads ||
            state.auditSeq !== last.auditSeq ||
            state.minute !== last.minute);
        last = state;
        if (moved) for (const listener of listeners) listener(state);
      })
      // A failed read is retried at the next interval; the page keeps what it shows.
      .catch(() => {})
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    last = undefined;
  };

  return {
    current,
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        void check();
        timer = setInterval(() => void check(), deps.pollMs ?? DEFAULT_POLL_MS);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    close() {
      listeners.clear();
      stop();
      unwatch();
    },
  };
}
