import type { Choice, GameState } from '../game/game-types.js';
import type { Interaction, Scene } from './content-types.js';
import { meetsRequirement } from './requirements.js';

export function isInteractionDone(interaction: Interaction, state: GameState): boolean {
  return interaction.onceFlag !== undefined && state.flags[interaction.onceFlag] === true;
}

/** Choices a scene offers in a state: open interactions first, then open exits, at most `max`. */
export function choicesFor(scene: Scene, state: GameState, max: number): Choice[] {
  const interactions = scene.interactions
    .filter(
      (interaction) =>
        !isInteractionDone(interaction, state) && meetsRequirement(interaction.requires, state),
    )
    .map((interaction) => ({ id: `do-${interaction.id}`, label: interaction.label }));
  const exits = scene.exits
    .filter((exit) => meetsRequirement(exit.requires, state))
    .map((exit) => ({ id: `go-${exit.to}`, label: exit.label }));
  return [...interactions, ...exits].slice(0, max);
}
