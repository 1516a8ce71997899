import type { Act } from '../../game/acts.js';
import type { Choice, GameState, TurnResult } from '../../game/game-types.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { applyActs } from '../awf/acts-interpreter.js';
import type { AwfOutput } from '../awf/output-validator.js';

/** How a shadow answer compares with the answer the player was served. */
export interface ShadowAgreement {
  /** The scene after the shadow's acts equals the served turn's scene. */
  sameScene: boolean;
  /** Both changed scene, or neither did. */
  sameSceneChange: boolean;
  /** The same acts, in any order. */
  sameActs: boolean;
  /** Normalised choice labels offered by both, and by either. */
  choiceShared: number;
  choiceUnion: number;
}

/**
 * Compares a valid shadow output with the served turn. The shadow's acts are applied to a copy of the
 * state before the turn, only to learn where they would have led; nothing is stored.
 */
export function compareWithServed(
  before: GameState,
  shadow: AwfOutput,
  served: Pick<TurnResult, 'scene' | 'sceneChange' | 'acts' | 'choices'>,
): ShadowAgreement {
  const after = applyActs(before, shadow.acts);
  const shadowLabels = labelSet(shadow.choices);
  const servedLabels = labelSet(served.choices);
  let choiceShared = 0;
  for (const label of shadowLabels) if (servedLabels.has(label)) choiceShared += 1;
  return {
    sameScene: after.scene === served.scene,
    sameSceneChange: (after.scene !== before.scene) === served.sceneChange,
    sameActs: actsKey(shadow.acts) === actsKey(served.acts),
    choiceShared,
    choiceUnion: shadowLabels.size + servedLabels.size - choiceShared,
  };
}

/** A label as compared: case-folded, accents and punctuation dropped, whitespace collapsed. */
export function normaliseLabel(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function labelSet(choices: readonly Choice[]): Set<string> {
  return new Set(choices.map((choice) => normaliseLabel(choice.label)).filter((label) => label !== ''));
}

function actsKey(acts: readonly Act[]): string {
  return acts
    .map((act) => canonicalJson(act))
    .sort()
    .join('\n');
}
