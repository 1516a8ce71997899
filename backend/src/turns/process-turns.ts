import { parseConfig } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { TurnResult } from '../game/game-types.js';
import { createModelProvider } from '../model/create-provider.js';
import { processRouter } from '../rollout/canary-rollout.js';
import { createProcessSlot, type ProcessSlot } from '../shared/process-slot.js';
import { openDatabase } from '../store/database.js';
import { createTurns } from './create-turns.js';
import type { TurnService } from './turn-service.js';

/** The seed's call shape: `runAwfTurn({ sessionId, inputText })`. */
export interface SeedTurnCall {
  sessionId: string;
  inputText: string;
}

type DirectTurns = Pick<TurnService, 'playTurn'>;

/**
 * The process's turn service, filled by the composition root. A one-off script that wired nothing
 * gets one wired from the environment on first use (store, content, model; no background timers).
 */
export const processTurns: ProcessSlot<DirectTurns> = createProcessSlot(() => {
  let lazy: Promise<TurnService> | undefined;
  const wired = (): Promise<TurnService> => {
    lazy ??= (async () => {
      const config = parseConfig(process.env);
      const content = loadContent(config.content.dir);
      return createTurns({
        content,
        providers: {
          awf: createModelProvider(config.model, content),
          legacy: createModelProvider(config.legacyModel, content),
        },
        // A one-off script need not close what it opened lazily.
        database: await openDatabase({ ...config.store, allowExitOnIdle: true }),
        // The process's one router (isAwfBundleEnabled's): a turn and the accessor give one answer.
        router: { decide: (subject) => processRouter.get().decide(subject) },
      });
    })();
    return lazy;
  };
  return { playTurn: async (...args) => (await wired()).playTurn(...args) };
});

/**
 * The seed's `runAwfTurn({ sessionId, inputText })`: play the session's next turn on the AWF pipeline,
 * whatever the router would say (it still falls back to legacy when AWF cannot answer).
 */
export function runAwfTurn(call: SeedTurnCall): Promise<TurnResult> {
  return processTurns.get().playTurn(call.sessionId, call.inputText, { pipeline: 'awf' });
}

/** The seed's `runLegacyTurn({ sessionId, inputText })`: play the session's next turn on legacy. */
export function runLegacyTurn(call: SeedTurnCall): Promise<TurnResult> {
  return processTurns.get().playTurn(call.sessionId, call.inputText, { pipeline: 'legacy' });
}
