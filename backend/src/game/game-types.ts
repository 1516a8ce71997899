import type { Act } from './acts.js';

export type Pipeline = 'awf' | 'legacy';

/** Why the AWF pipeline handed a turn to legacy. */
export type FallbackReason = 'invalid_output' | 'provider_error' | 'timeout';

export interface Choice {
  id: string;
  label: string;
}

export interface TokenUsage {
  in: number;
  out: number;
}

/** What one turn returns to the player and what the store keeps of it (DESIGN §2). */
export interface TurnResult {
  turnId: string;
  pipeline: Pipeline;
  txt: string;
  choices: Choice[];
  scene: string;
  sceneChange: boolean;
  acts: Act[];
  latencyMs: number;
  retried: boolean;
  fallback: boolean;
  fallbackReason?: FallbackReason;
  tokens: TokenUsage;
  bundleBytes: number;
}

/** The mutable game state of one session; acts change it, turns persist it. */
export interface GameState {
  scene: string;
  flags: Record<string, boolean>;
  inventory: string[];
  /** NPC id → relationship score (negative hostile, positive friendly). */
  relationships: Record<string, number>;
}

export interface Session {
  sessionId: string;
  userId: string;
  seed: number;
  state: GameState;
  turnCount: number;
  /** Choices offered by the last turn (or the opening), so a player may answer with a number. */
  lastChoices: Choice[];
  createdAt: string;
  updatedAt: string;
}

/** One stored turn: the input, the result and how it was routed. */
export interface TurnRecord {
  sessionId: string;
  userId: string;
  turnNo: number;
  input: string;
  routeReason: string;
  result: TurnResult;
  createdAt: string;
}
