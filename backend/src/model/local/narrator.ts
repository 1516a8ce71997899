import type { Exit, Interaction, Item, Npc, Scene } from '../../content/content-types.js';
import { meetsRequirement } from '../../content/requirements.js';
import { choicesFor, isInteractionDone } from '../../content/scene-choices.js';
import type { Act } from '../../game/acts.js';
import type { Choice, GameState } from '../../game/game-types.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { applyActs } from '../../turns/awf/acts-interpreter.js';

/** What the local narrator needs to answer one turn: the same facts a bundle gives a real model. */
export interface NarrationContext {
  scene: Scene;
  /** Scenes reachable through the current scene's exits. */
  neighbors: readonly Scene[];
  npcs: readonly Npc[];
  items: readonly Item[];
  atmosphere: readonly string[];
  state: GameState;
  input: string;
  maxChoices: number;
  seed: number;
}

export interface Narration {
  txt: string;
  scene: string;
  choices: Choice[];
  acts: Act[];
}

const LOOK_WORDS = new Set(['look', 'examine', 'around', 'observe', 'survey', 'wait', 'listen']);
const INVENTORY_WORDS = new Set(['inventory', 'pockets', 'carrying', 'items', 'bag', 'pack']);
const HESITATIONS = [
  'You hesitate, unsure how to do that here.',
  'Nothing comes of it; the wood does not seem to understand.',
  'You try, but the moment slips away.',
];

function wordsOf(input: string): Set<string> {
  const words = input.toLowerCase().match(/[a-z]+/g) ?? [];
  return new Set(
    words.flatMap((word) => (word.length > 3 && word.endsWith('s') ? [word, word.slice(0, -1)] : [word])),
  );
}

function score(keywords: readonly string[], words: Set<string>): number {
  return keywords.reduce((sum, keyword) => sum + (words.has(keyword) ? 1 : 0), 0);
}

type Candidate =
  | { kind: 'exit'; exit: Exit; score: number }
  | { kind: 'interaction'; interaction: Interaction; score: number };

/**
 * The local model's storyteller: reads the scene script, the state and the input, and decides what
 * happens. Deterministic for a given context and seed; the seed only colours the prose.
 */
export function narrate(context: NarrationContext): Narration {
  const { scene, state, maxChoices } = context;
  const random = seededRandom(context.seed);
  const atmosphere = context.atmosphere.length > 0 ? ` ${random.pick(context.atmosphere)}` : '';
  const words = wordsOf(context.input);

  const candidates: Candidate[] = [
    ...scene.interactions
      .filter((interaction) => !isInteractionDone(interaction, state))
      .map((interaction) => ({
        kind: 'interaction' as const,
        interaction,
        score: score(interaction.keywords, words),
      })),
    ...scene.exits.map((exit) => ({ kind: 'exit' as const, exit, score: score(exit.keywords, words) })),
  ];
  // Highest score wins; on a tie the earlier candidate (interactions before exits) keeps its place.
  const best = candidates.reduce<Candidate | undefined>(
    (top, candidate) => (candidate.score > 0 && (!top || candidate.score > top.score) ? candidate : top),
    undefined,
  );

  if (best?.kind === 'exit') {
    const { exit } = best;
    const target = context.neighbors.find((neighbor) => neighbor.id === exit.to);
    if (!target || !meetsRequirement(exit.requires, state)) {
      return stay(context, `${exit.blockedText ?? 'That way is closed to you.'}${atmosphere}`, []);
    }
    const acts: Act[] = [{ type: 'SCENE_CHANGE', to: target.id }];
    const after = applyActs(state, acts);
    return {
      txt: `${exit.text} ${target.description}${presence(target, context.npcs)}${atmosphere}`,
      scene: target.id,
      choices: choicesFor(target, after, maxChoices),
      acts,
    };
  }
  if (best?.kind === 'interaction') {
    const { interaction } = best;
    if (!meetsRequirement(interaction.requires, state)) {
      return stay(context, `${interaction.blockedText ?? 'Nothing happens.'}${atmosphere}`, []);
    }
    return stay(context, `${interaction.text}${atmosphere}`, interaction.acts);
  }
  if ([...words].some((word) => INVENTORY_WORDS.has(word))) {
    const names = state.inventory.map((id) => context.items.find((item) => item.id === id)?.name ?? id);
    const carried =
      names.length > 0 ? `You are carrying: ${names.join(', ')}.` : 'Your hands and pockets are empty.';
    return stay(context, `${carried}${atmosphere}`, []);
  }
  if ([...words].some((word) => LOOK_WORDS.has(word))) {
    return stay(
      context,
      `You take stock of ${scene.name.replace(/^The /, 'the ')}. ${scene.description}${atmosphere}`,
      [],
    );
  }
  return stay(context, `${random.pick(HESITATIONS)}${presence(scene, context.npcs)}${atmosphere}`, []);
}

function stay(context: NarrationContext, txt: string, acts: Act[]): Narration {
  const after = applyActs(context.state, acts);
  return {
    txt,
    scene: context.scene.id,
    choices: choicesFor(context.scene, after, context.maxChoices),
    acts,
  };
}

function presence(scene: Scene, npcs: readonly Npc[]): string {
  // NPCs the description already names need no second mention.
  const names = scene.npcs
    .map((id) => npcs.find((npc) => npc.id === id)?.name)
    .filter((name): name is string => name !== undefined && !scene.description.includes(name));
  return names.length === 0 ? '' : ` ${names.join(' and ')} ${names.length === 1 ? 'is' : 'are'} here.`;
}
