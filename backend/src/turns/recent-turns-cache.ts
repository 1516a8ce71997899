import type { RecentTurn } from './awf/bundle-assembler.js';

/**
 * The last few turns an AWF bundle shows, per session, remembered from the turn that wrote them so the
 * next turn does not read them back from the store (that read was a sixth of an HTTP turn; issue 14).
 *
 * An entry is stamped with the session's turn count it belongs to. Turns are append-only and numbered,
 * and a session's count moves in the same transaction as its turn, so while the stored count is still
 * that number the entry is exactly what the store would answer; a turn written by anyone else (another
 * instance, `npm run play` on the same file) moves the count and the entry is not used. Bounded: the
 * least recently used session goes first. Aged: a session idle longer than `maxAgeMs` reads the store
 * again, so turns pruned by retention in between are never shown from memory.
 */
export interface RecentTurnsCache {
  /** The recent turns as of `turnCount`, or undefined (unknown, stale or too old: read the store). */
  get(sessionId: string, turnCount: number, nowMs: number): readonly RecentTurn[] | undefined;
  /** What the store now holds for the session at `turnCount` (after that turn committed). */
  remember(sessionId: string, turnCount: number, recent: readonly RecentTurn[], nowMs: number): void;
}

interface Entry {
  turnCount: number;
  recent: readonly RecentTurn[];
  at: number;
}

export function createRecentTurnsCache(options: { capacity: number; maxAgeMs: number }): RecentTurnsCache {
  if (!(options.capacity >= 1)) throw new RangeError('recent turns cache: capacity must be at least 1');
  // A Map iterates in insertion order: re-inserting an entry makes it the most recently used.
  const entries = new Map<string, Entry>();
  return {
    get(sessionId, turnCount, nowMs) {
      const entry = entries.get(sessionId);
      if (entry === undefined) return undefined;
      entries.delete(sessionId);
      if (entry.turnCount !== turnCount || nowMs - entry.at > options.maxAgeMs) return undefined;
      entries.set(sessionId, entry);
      return entry.recent;
    },
    remember(sessionId, turnCount, recent, nowMs) {
      entries.delete(sessionId);
      entries.set(sessionId, { turnCount, recent, at: nowMs });
      if (entries.size > options.capacity) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
  };
}
