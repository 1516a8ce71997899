import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';

/** A connection or a transaction. */
export type Executor = Kysely<DatabaseSchema>;

/** The policy as stored; a null field means nothing is stored for it. */
export interface StoredRetentionPolicy {
  sloDays: number | null;
  /** 0 keeps turn records forever. */
  turnDays: number | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** Where expiry starts: rows older than these are deleted. `turnsBefore` null keeps every turn. */
export interface RetentionCutoffs {
  /** SLO minutes and history before this minute (epoch ms / 60 000), and alerts resolved before it. */
  sloBeforeMinute: number;
  /** ISO 8601; turn records created before it. */
  turnsBefore: string | null;
}

/** Rows of each kind, expired or removed. */
export interface RetentionCounts {
  sloMinutes: number;
  sloHistory: number;
  sloAlerts: number;
  /** Player ratings last rated before the SLO cutoff (their counts stay in the SLO minutes). */
  feedback: number;
  turns: number;
}

/** The kinds of rows retention removes: never the audit log, never a session's current state. */
export type RetentionTable = keyof RetentionCounts;

/**
 * The stored policy, and the expired rows of the tables it governs. Retention reads and deletes SLO and
 * turn rows by age only (the tables' time columns); it never changes what their capabilities wrote.
 */
export interface RetentionStore {
  readPolicy(db: Executor): Promise<StoredRetentionPolicy>;
  writePolicy(
    trx: Executor,
    policy: { sloDays?: number; turnDays?: number },
    by: string,
    at: string,
  ): Promise<void>;
  countExpired(db: Executor, cutoffs: RetentionCutoffs): Promise<RetentionCounts>;
  /**
   * Deletes up to about `batch` of the oldest expired rows of `table` (rows sharing the edge's time
   * go together); returns how many were deleted, 0 when none are left.
   */
  deleteExpiredBatch(
    trx: Executor,
    table: RetentionTable,
    cutoffs: RetentionCutoffs,
    batch: number,
  ): Promise<number>;
}
