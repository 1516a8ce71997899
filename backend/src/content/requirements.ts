import type { GameState } from '../game/game-types.js';
import type { Requirement } from './content-types.js';

/** Whether the game state satisfies a requirement (absent requirement: always). */
export function meetsRequirement(requirement: Requirement | undefined, state: GameState): boolean {
  if (!requirement) return true;
  const hasFlags = (requirement.flags ?? []).every((flag) => state.flags[flag] === true);
  const lacksFlags = (requirement.notFlags ?? []).every((flag) => state.flags[flag] !== true);
  const hasItems = (requirement.items ?? []).every((item) => state.inventory.includes(item));
  const warmEnough = Object.entries(requirement.relationshipAtLeast ?? {}).every(
    ([npc, least]) => (state.relationships[npc] ?? 0) >= least,
  );
  return hasFlags && lacksFlags && hasItems && warmEnough;
}
