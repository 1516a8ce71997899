import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { SessionExistsError, TurnConflictError } from '../shared/errors.js';
import type { DatabaseSchema, SessionRow, TurnRow } from './schema.js';
import { toSession, toSessionRow, toTurnRecord, toTurnRow } from './session-rows.js';
import type { RecentTurnText, SessionStore } from './session-store.js';

const TURN_COLUMNS =
  'session_id, turn_no, user_id, input, pipeline, route_reason, scene, retried, fallback, fallback_reason, latency_ms, result, created_at';
const INSERT_TURN = `insert into turns (${TURN_COLUMNS}) values (${TURN_COLUMNS.split(', ')
  .map((column) => `@${column}`)
  .join(', ')})`;

/**
 * The SessionStore on SQLite, straight on better-sqlite3: the same SQL the Kysely store sends, prepared
 * once, and a turn's update and insert in one synchronous transaction. Building and compiling each query
 * with Kysely, and a promise per statement, were a large share of an HTTP turn (issue 14).
 *
 * Kysely's async transactions (audit appends, the plan) hold the one connection across awaits, so a
 * call made while one is open waits for the connection as every Kysely query does; otherwise it runs at
 * once (nothing else can be half-way through a transaction on this thread).
 *
 * Group commit: the turns that reach their commit in the same turn of the event loop (requests read
 * together under load) are written in one SQLite transaction, each inside its own savepoint, so one
 * turn's conflict rolls back only that turn. Fewer, larger transactions write the table's and the
 * created_at index's last pages once per group instead of once per turn. A turn is acknowledged only
 * after its group committed.
 */
export function createSqliteSessionStore(
  db: Kysely<DatabaseSchema>,
  sqlite: BetterSqliteDatabase,
): SessionStore {
  const prepared = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let found = prepared.get(sql);
    if (!found) {
      found = sqlite.prepare(sql);
      prepared.set(sql, found);
    }
    return found;
  };
  /** Runs `work` now, or once Kysely's connection is free when one of its transactions is open. */
  const exclusive = <T>(work: () => T): Promise<T> => {
    if (sqlite.inTransaction) return db.connection().execute(async () => work());
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const commitOne = sqlite.transaction(
    (update: unknown[], turn: Record<string, unknown>, sessionId: string) => {
      // The turn_count guard makes this a compare-and-set: of two racing turns only one matches.
      const updated = statement(
        'update sessions set state = ?, turn_count = ?, last_choices = ?, updated_at = ? where session_id = ? and turn_count = ?',
      ).run(...update);
      if (updated.changes === 0) throw new TurnConflictError(sessionId);
      statement(INSERT_TURN).run(turn);
    },
  );

  interface PendingCommit {
    update: unknown[];
    turn: Record<string, unknown>;
    sessionId: string;
    settle: (error?: unknown) => void;
  }
  let pending: PendingCommit[] = [];
  /** Inside the group's transaction, commitOne nests as a savepoint (better-sqlite3 does that itself). */
  const commitGroup = sqlite.transaction((group: readonly PendingCommit[]) =>
    group.map((item) => {
      try {
        commitOne(item.update, item.turn, item.sessionId);
        return undefined;
      } catch (error) {
        return error ?? new Error('turn commit failed');
      }
    }),
  );
  const flush = (): void => {
    const group = pending;
    pending = [];
    exclusive(() => {
      if (group.length === 1) {
        const [only] = group as [PendingCommit];
        commitOne(only.update, only.turn, only.sessionId);
        return [undefined];
      }
      return commitGroup(group);
    }).then(
      (outcomes) => {
        group.forEach((item, i) => {
          item.settle(outcomes[i]);
        });
      },
      (error: unknown) => {
        for (const item of group) item.settle(error);
      },
    );
  };

  return {
    createSession: (session) =>
      exclusive(() => {
        const row = toSessionRow(session);
        const inserted = statement(
          'insert into sessions (session_id, user_id, seed, state, turn_count, last_choices, created_at, updated_at) values (@session_id, @user_id, @seed, @state, @turn_count, @last_choices, @created_at, @updated_at) on conflict (session_id) do nothing',
        ).run(row);
        if (inserted.changes === 0) throw new SessionExistsError(session.sessionId);
      }),

    getSession: (sessionId) =>
      exclusive(() => {
        const row = statement('select * from sessions where session_id = ?').get(sessionId) as
          | SessionRow
          | undefined;
        return row && toSession(row);
      }),

    commitTurn: (session, expectedTurnCount, record) =>
      new Promise<void>((resolve, reject) => {
        const update = [
          JSON.stringify(session.state),
          session.turnCount,
          JSON.stringify(session.lastChoices),
          session.updatedAt,
          session.sessionId,
          expectedTurnCount,
        ];
        const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
        pending.push({ update, turn: toTurnRow(record), sessionId: session.sessionId, settle });
        // The check phase runs after every request read in this turn of the loop reached here.
        if (pending.length === 1) setImmediate(flush);
      }),

    listTurns: (sessionId, options) =>
      exclusive(() => {
        const before = options?.beforeTurnNo !== undefined;
        const last = options?.last !== undefined;
        const sql = `select * from turns where session_id = ?${before ? ' and turn_no < ?' : ''}${
          last ? ' order by turn_no desc limit ?' : ''
        }`;
        const parameters: unknown[] = [sessionId];
        if (before) parameters.push(options?.beforeTurnNo);
        if (last) parameters.push(options?.last);
        const rows = statement(sql).all(...parameters) as TurnRow[];
        return rows.map(toTurnRecord).sort((a, b) => a.turnNo - b.turnNo);
      }),

    recentTurns: (sessionId, options) =>
      exclusive(() => {
        const before = options.beforeTurnNo !== undefined;
        // SQLite reads the narration out of the stored result itself: parsing whole results in
        // JavaScript to keep one field was a visible share of an AWF turn.
        const sql = `select turn_no as turnNo, input, result ->> '$.txt' as txt from turns where session_id = ?${
          before ? ' and turn_no < ?' : ''
        } order by turn_no desc limit ?`;
        const parameters: unknown[] = before
          ? [sessionId, options.beforeTurnNo, options.last]
          : [sessionId, options.last];
        return (statement(sql).all(...parameters) as RecentTurnText[]).reverse();
      }),
  };
}
