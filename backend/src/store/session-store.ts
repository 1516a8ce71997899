import type { Session, TurnRecord } from '../game/game-types.js';

/** What an AWF bundle shows of an earlier turn. */
export interface RecentTurnText {
  turnNo: number;
  input: string;
  /** The narration the player got (the stored result's `txt`). */
  txt: string;
}

/** Sessions and their turns. A turn's session update and turn record commit in one transaction. */
export interface SessionStore {
  /** Throws SessionExistsError when the id is taken. */
  createSession(session: Session): Promise<void>;
  getSession(sessionId: string): Promise<Session | undefined>;
  /**
   * Persist the session after a turn together with the turn's record, atomically. Fails with
   * TurnConflictError when the stored turnCount is no longer `expectedTurnCount` (a concurrent turn
   * on the same session won), and then nothing is written.
   */
  commitTurn(session: Session, expectedTurnCount: number, record: TurnRecord): Promise<void>;
  /**
   * Turns of a session in order; with `last`, only the most recent that many (still oldest first); with
   * `beforeTurnNo`, only turns numbered below it (a shadow run replays a turn the session has moved past).
   */
  listTurns(sessionId: string, options?: { last?: number; beforeTurnNo?: number }): Promise<TurnRecord[]>;
  /**
   * The most recent `last` turns' number, input and narration, oldest first (with `beforeTurnNo`, of
   * the turns numbered below it): listTurns narrowed to what a bundle needs, without reading whole results.
   */
  recentTurns(sessionId: string, options: { last: number; beforeTurnNo?: number }): Promise<RecentTurnText[]>;
}
