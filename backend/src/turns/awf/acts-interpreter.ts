import type { Act } from '../../game/acts.js';
import type { GameState } from '../../game/game-types.js';

/**
 * Apply acts to a game state, returning a new state (the input is not touched). Acts are applied in
 * order; adding an item already held or removing one not held changes nothing, and relationship
 * scores stay within [-10, 10].
 */
export function applyActs(state: GameState, acts: readonly Act[]): GameState {
  const next: GameState = {
    scene: state.scene,
    flags: { ...state.flags },
    inventory: [...state.inventory],
    relationships: { ...state.relationships },
  };
  for (const act of acts) {
    switch (act.type) {
      case 'SCENE_CHANGE':
        next.scene = act.to;
        break;
      case 'SET_FLAG':
        next.flags[act.flag] = act.value;
        break;
      case 'ADD_ITEM':
        if (!next.inventory.includes(act.item)) next.inventory.push(act.item);
        break;
      case 'REMOVE_ITEM':
        next.inventory = next.inventory.filter((item) => item !== act.item);
        break;
      case 'NPC_RELATIONSHIP': {
        const score = (next.relationships[act.npc] ?? 0) + act.delta;
        next.relationships[act.npc] = Math.max(-10, Math.min(10, score));
        break;
      }
    }
  }
  return next;
}
