import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { DatabaseSchema } from './schema.js';

/** The two databases the store runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';

/**
 * Everything that differs between SQLite and PostgreSQL beyond what Kysely already hides, behind one
 * interface (as Kysely keeps its own differences behind `Dialect`), so services above `store/` stay
 * database-neutral. The `Database` carries one as `adapter`.
 *
 * SQLite is one process writing one file: BEGIN IMMEDIATE takes the database-wide write lock, so locks
 * are no-ops there and other processes see changes by polling. PostgreSQL serves many instances, so it
 * needs real row and advisory locks and announces changes with NOTIFY.
 */
export interface DialectAdapter {
  readonly name: DatabaseDialect;

  /**
   * Runs `work` in a transaction that takes the write lock up front (SQLite: BEGIN IMMEDIATE, since a
   * deferred BEGIN would upgrade its lock late and fail with SQLITE_BUSY under a second process;
   * PostgreSQL: an ordinary transaction). Commits when `work` resolves, rolls back when it throws.
   */
  writeTransaction<T>(work: (trx: Kysely<DatabaseSchema>) => Promise<T>): Promise<T>;

  /**
   * Takes the lock named `key` until the transaction ends, so writers that agree on the key run one
   * after the other (e.g. appends to a hash chain, whose next entry depends on the last). PostgreSQL:
   * a transaction-scoped advisory lock, and `trx` must be a transaction; SQLite: a no-op, because the
   * write transaction already holds the whole database.
   */
  lockForTransaction(trx: Kysely<DatabaseSchema>, key: TransactionLockKey): Promise<void>;

  /**
   * Makes `select` lock the rows it reads until the transaction ends (PostgreSQL: FOR UPDATE), for a
   * read-modify-write that two processes may run on the same row. SQLite: the query unchanged, since
   * BEGIN IMMEDIATE already serialises writers.
   */
  lockRowsForUpdate<DB, TB extends keyof DB, O>(
    select: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;

  /**
   * Announces `payload` on `channel` to every listener when the transaction commits (nothing if it rolls
   * back). PostgreSQL: NOTIFY; SQLite: a no-op, because its readers poll.
   */
  notify(trx: Kysely<DatabaseSchema>, channel: string, payload: string): Promise<void>;

  /**
   * Calls `onNotify` with each payload announced on `channel` until the returned listener is closed.
   * PostgreSQL: a dedicated connection that reconnects with backoff when it drops and calls
   * `onConnect` after every (re)connect, so the caller can re-read what it may have missed while not
   * listening; SQLite: a listener that never hears anything (callers poll as well).
   */
  listen(channel: string, onNotify: (payload: string) => void, options?: ListenOptions): ChannelListener;

  /**
   * Tries once to take the session lock named `key`, held until released or until this process's
   * connection ends (so a killed holder frees it at once): one leader among many processes.
   * PostgreSQL: a session advisory lock (pg_try_advisory_lock) on a dedicated connection; undefined
   * when another session holds it. SQLite: always granted (one server process runs the file).
   */
  tryAcquireSessionLock(key: TransactionLockKey): Promise<SessionLock | undefined>;
}

/** A held session lock from `DialectAdapter.tryAcquireSessionLock`. */
export interface SessionLock {
  /** False once released or once its connection was lost (another process may hold it now). */
  isHeld(): boolean;
  /** Called once if the connection holding the lock is lost. */
  onLost(callback: (error: unknown) => void): void;
  /** Releases the lock and its connection; calling it again is a no-op. */
  release(): Promise<void>;
}

/** A lock name every process on one database agrees on: a PostgreSQL advisory lock key (64-bit). */
export type TransactionLockKey = bigint;

export interface ListenOptions {
  /** Called each time the listener is (again) listening: re-read what may have changed meanwhile. */
  onConnect?: () => void;
  /** Called when the connection drops or cannot be made; the listener retries on its own. */
  onError?: (error: unknown) => void;
  /** First wait before reconnecting, doubled on each failure up to `maxReconnectDelayMs` (500). */
  reconnectDelayMs?: number;
  /** Longest wait between reconnects (5000). */
  maxReconnectDelayMs?: number;
}

/** A subscription from `DialectAdapter.listen`. */
export interface ChannelListener {
  /** Stops listening and releases its connection; calling it again is a no-op. */
  close(): Promise<void>;
}
