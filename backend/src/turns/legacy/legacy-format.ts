import type { Content } from '../../content/content-types.js';
import type { Act } from '../../game/acts.js';
import type { Choice, GameState } from '../../game/game-types.js';

/**
 * The legacy engine's text protocol. The prompt is a plain-text header the model reads; the answer is
 * free text with an optional `Effects:` line of tags, a `Location:` line and a numbered choice list.
 */
export interface LegacyPromptFields {
  scene: string;
  flags: string[];
  inventory: string[];
  relationships: Record<string, number>;
  seed: number;
  input: string;
}

export function renderLegacyPrompt(content: Content, fields: LegacyPromptFields): string {
  const relationships = Object.entries(fields.relationships)
    .map(([npc, score]) => `${npc}=${score}`)
    .join(', ');
  return [
    `You are the storyteller of "${content.adventure.title}", set in ${content.world.name}.`,
    `Scene: ${fields.scene}`,
    `Flags: ${fields.flags.join(', ')}`,
    `Inventory: ${fields.inventory.join(', ')}`,
    `Relationships: ${relationships}`,
    `Seed: ${fields.seed}`,
    `Player: ${fields.input.replace(/\s+/g, ' ')}`,
    'Write the next passage in second person. Then an "Effects:" line with tags like [GOT item] [LOST item]',
    '[FLAG name] [NPC name +1], a "Location:" line with the scene name, and "Choices:" with up to 5 numbered options.',
  ].join('\n');
}

/** Read the header back (the local narrator's side of the protocol). */
export function parseLegacyPrompt(prompt: string): LegacyPromptFields | undefined {
  const field = (name: string): string | undefined =>
    prompt.match(new RegExp(`^${name}: ?(.*)$`, 'm'))?.[1]?.trim();
  const list = (value: string | undefined): string[] => (value ? value.split(/,\s*/).filter(Boolean) : []);
  const scene = field('Scene');
  const seed = Number(field('Seed'));
  const input = field('Player');
  if (!scene || !Number.isInteger(seed) || input === undefined) return undefined;
  const relationships: Record<string, number> = {};
  for (const pair of list(field('Relationships'))) {
    const [npc, score] = pair.split('=');
    if (npc && Number.isFinite(Number(score))) relationships[npc] = Number(score);
  }
  return {
    scene,
    flags: list(field('Flags')),
    inventory: list(field('Inventory')),
    relationships,
    seed,
    input,
  };
}

export interface LegacyAnswer {
  txt: string;
  sceneName: string;
  choices: Choice[];
  acts: Act[];
}

/** Write an answer in the legacy format (the local narrator's side). */
export function renderLegacyAnswer(answer: LegacyAnswer): string {
  const tags = answer.acts.flatMap((act): string[] => {
    switch (act.type) {
      case 'ADD_ITEM':
        return [`[GOT ${act.item}]`];
      case 'REMOVE_ITEM':
        return [`[LOST ${act.item}]`];
      case 'SET_FLAG':
        return [act.value ? `[FLAG ${act.flag}]` : `[UNFLAG ${act.flag}]`];
      case 'NPC_RELATIONSHIP':
        return [`[NPC ${act.npc} ${act.delta >= 0 ? '+' : ''}${act.delta}]`];
      default:
        return []; // the Location line carries scene changes
    }
  });
  return [
    answer.txt,
    '',
    ...(tags.length > 0 ? [`Effects: ${tags.join(' ')}`] : []),
    `Location: ${answer.sceneName}`,
    'Choices:',
    ...answer.choices.map((choice, i) => `${i + 1}. ${choice.label}`),
  ].join('\n');
}

export interface ParsedLegacyAnswer {
  txt: string;
  scene: string;
  choices: Choice[];
  acts: Act[];
}

const LOCATION_LINE = /^\s*Location:\s*(.+)$/i;
const CHOICES_LINE = /^\s*Choices:\s*$/i;
const NUMBERED_LINE = /^\s*(\d+)[.)]\s+(.+)$/;

/**
 * Whether a model's answer is a legacy answer at all, before it may be shown to a player. Readable:
 * text that is not blank and carries the protocol's structure — a `Location: <name>` line, or a
 * `Choices:` line followed by at least one numbered option (`1. …` or `1) …`). Everything else (chat,
 * an apology, half a JSON object, an empty string) is unparseable and never becomes narration. The
 * parser stays lenient inside that structure (unknown places and tags are ignored, as the old engine did).
 */
export function isReadableLegacyAnswer(text: string): boolean {
  let inChoices = false;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.match(LOCATION_LINE)?.[1]?.trim()) return true;
    if (CHOICES_LINE.test(line)) inChoices = true;
    else if (inChoices && NUMBERED_LINE.test(line)) return true;
  }
  return false;
}

/**
 * Parse a legacy answer. Lenient as the old engine was: unknown tags and locations are ignored, at
 * most `maxChoices` choices are kept, and a missing choice list is left empty for the caller to fill.
 */
export function parseLegacyAnswer(
  text: string,
  content: Content,
  state: GameState,
  maxChoices: number,
): ParsedLegacyAnswer {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const prose: string[] = [];
  const choices: Choice[] = [];
  const acts: Act[] = [];
  let scene = state.scene;
  let inChoices = false;
  for (const line of lines) {
    const location = line.match(LOCATION_LINE);
    const effects = line.match(/^\s*Effects:\s*(.*)$/i);
    const numbered = line.match(NUMBERED_LINE);
    if (location?.[1]) {
      const name = location[1].trim().toLowerCase();
      const found = content.adventure.scenes.find((s) => s.name.toLowerCase() === name || s.id === name);
      if (found) scene = found.id;
    } else if (effects) {
      acts.push(...parseTags(effects[1] ?? '', content));
    } else if (CHOICES_LINE.test(line)) {
      inChoices = true;
    } else if (inChoices && numbered?.[2]) {
      if (choices.length < maxChoices)
        choices.push({ id: `choice-${choices.length + 1}`, label: numbered[2].trim().slice(0, 80) });
    } else if (!inChoices) {
      prose.push(line);
    }
  }
  if (scene !== state.scene) acts.unshift({ type: 'SCENE_CHANGE', to: scene });
  return { txt: prose.join('\n').trim(), scene, choices, acts };
}

function parseTags(line: string, content: Content): Act[] {
  const acts: Act[] = [];
  for (const [, tag = '', rest = ''] of line.matchAll(/\[(GOT|LOST|FLAG|UNFLAG|NPC)\s+([^\]]+)\]/g)) {
    const [name = '', amount] = rest.trim().split(/\s+/);
    if ((tag === 'GOT' || tag === 'LOST') && content.itemsById.has(name)) {
      acts.push({ type: tag === 'GOT' ? 'ADD_ITEM' : 'REMOVE_ITEM', item: name });
    } else if ((tag === 'FLAG' || tag === 'UNFLAG') && /^[a-z][a-z0-9-_]*$/.test(name)) {
      acts.push({ type: 'SET_FLAG', flag: name, value: tag === 'FLAG' });
    } else if (tag === 'NPC' && content.npcsById.has(name) && Number.isInteger(Number(amount))) {
      acts.push({ type: 'NPC_RELATIONSHIP', npc: name, delta: Math.max(-5, Math.min(5, Number(amount))) });
    }
  }
  return acts;
}
