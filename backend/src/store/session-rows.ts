import type { Choice, GameState, Session, TurnRecord, TurnResult } from '../game/game-types.js';
import type { NewSessionRow, NewTurnRow, SessionRow, TurnRow } from './schema.js';

/** Rows ⇄ sessions and turn records, shared by every SessionStore so each dialect stores the same text. */

export function toSessionRow(session: Session): NewSessionRow {
  return {
    session_id: session.sessionId,
    user_id: session.userId,
    seed: session.seed,
    state: JSON.stringify(session.state),
    turn_count: session.turnCount,
    last_choices: JSON.stringify(session.lastChoices),
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

export function toSession(row: SessionRow): Session {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    seed: Number(row.seed),
    state: JSON.parse(row.state) as GameState,
    turnCount: row.turn_count,
    lastChoices: JSON.parse(row.last_choices) as Choice[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toTurnRow(record: TurnRecord): NewTurnRow {
  const { result } = record;
  return {
    session_id: record.sessionId,
    turn_no: record.turnNo,
    user_id: record.userId,
    input: record.input,
    pipeline: result.pipeline,
    route_reason: record.routeReason,
    scene: result.scene,
    retried: result.retried ? 1 : 0,
    fallback: result.fallback ? 1 : 0,
    fallback_reason: result.fallbackReason ?? null,
    latency_ms: result.latencyMs,
    result: JSON.stringify(result),
    created_at: record.createdAt,
  };
}

export function toTurnRecord(row: TurnRow): TurnRecord {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    turnNo: row.turn_no,
    input: row.input,
    routeReason: row.route_reason,
    result: JSON.parse(row.result) as TurnResult,
    createdAt: row.created_at,
  };
}
