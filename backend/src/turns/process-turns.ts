import type { Services } from '../app/create-services.js';
import type { TurnResult } from '../game/game-types.js';
import type { TurnService } from './turn-service.js';

/** The seed's call shape: `runAwfTurn({ sessionId, inputText })`. */
export interface SeedTurnCall {
  sessionId: string;
  inputText: string;
}

let processTurns: TurnService | undefined;
let lazyServices: Promise<Services> | undefined;

/** Called by createServices: the accessors below then play turns through the process's wiring. */
export function setProcessTurns(turns: TurnService): void {
  processTurns = turns;
}

/** Called on close: forgets `turns` unless another wiring replaced it since. */
export function releaseProcessTurns(turns: TurnService): void {
  if (processTurns === turns) processTurns = undefined;
}

async function turnService(): Promise<TurnService> {
  if (processTurns) return processTurns;
  // A one-off script that wired nothing: wire from the environment once, without background timers.
  lazyServices ??= Promise.all([import('../app/create-services.js'), import('../config/config.js')]).then(
    ([{ createServices }, { parseConfig }]) =>
      createServices(parseConfig(process.env), { sloTimers: false, watchRollout: false }),
  );
  return (await lazyServices).turns;
}

/**
 * The seed's `runAwfTurn({ sessionId, inputText })`: play the session's next turn on the AWF pipeline,
 * whatever the router would say (it still falls back to legacy when AWF cannot answer).
 */
export async function runAwfTurn(call: SeedTurnCall): Promise<TurnResult> {
  return (await turnService()).playTurn(call.sessionId, call.inputText, { pipeline: 'awf' });
}

/** The seed's `runLegacyTurn({ sessionId, inputText })`: play the session's next turn on legacy. */
export async function runLegacyTurn(call: SeedTurnCall): Promise<TurnResult> {
  return (await turnService()).playTurn(call.sessionId, call.inputText, { pipeline: 'legacy' });
}
