import { z } from 'zod';
import { jsonPathOf } from '../../content/content-loader.js';
import type { Content } from '../../content/content-types.js';
import { type Act, ActSchema } from '../../game/acts.js';
import type { Choice, GameState } from '../../game/game-types.js';

/** A model answer that passed schema and rules. */
export interface AwfOutput {
  txt: string;
  scene: string;
  choices: Choice[];
  acts: Act[];
}

export type ValidationResult = { ok: true; output: AwfOutput } | { ok: false; errors: string[] };

const AwfOutputSchema = z.object({
  txt: z.string(),
  scene: z.string(),
  choices: z.array(z.object({ id: z.string(), label: z.string() })),
  acts: z.array(ActSchema).default([]),
});

/** Pull the JSON object out of a model answer: tolerate code fences and chatter around one object. */
export function extractJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const unfenced = text.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '');
  const start = unfenced.indexOf('{');
  const end = unfenced.lastIndexOf('}');
  if (start < 0) return { ok: false, error: '$: the answer contains no JSON object' };
  if (end <= start)
    return { ok: false, error: '$: the answer is not valid JSON (an object opens but never closes)' };
  try {
    return { ok: true, value: JSON.parse(unfenced.slice(start, end + 1)) };
  } catch (error) {
    return { ok: false, error: `$: the answer is not valid JSON (${(error as Error).message})` };
  }
}

/**
 * Validate a model answer against the output contract and the content: known scene, acts from the
 * catalog naming known things, choice count and label length, non-empty bounded text. Returns every
 * problem found so the repair hint can name them all.
 */
export function validateOutput(text: string, content: Content, state: GameState): ValidationResult {
  const extracted = extractJson(text);
  if (!extracted.ok) return { ok: false, errors: [extracted.error] };
  const parsed = AwfOutputSchema.safeParse(extracted.value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${jsonPathOf(issue.path)}: ${issue.message}`),
    };
  }
  const output = parsed.data;
  const rules = content.contract.output;
  const errors: string[] = [];
  const fail = (path: string, problem: string): void => {
    errors.push(`${path}: ${problem}`);
  };

  const txt = output.txt.trim();
  if (txt.length === 0) fail('$.txt', 'text is empty');
  if (txt.length > rules.maxTextChars)
    fail('$.txt', `text has ${txt.length} characters, at most ${rules.maxTextChars}`);
  if (!content.scenesById.has(output.scene)) fail('$.scene', `unknown scene "${output.scene}"`);

  if (output.choices.length < rules.minChoices || output.choices.length > rules.maxChoices) {
    fail(
      '$.choices',
      `${output.choices.length} choices, expected ${rules.minChoices} to ${rules.maxChoices}`,
    );
  }
  const seen = new Set<string>();
  output.choices.forEach((choice, i) => {
    if (choice.id.trim() === '') fail(`$.choices[${i}].id`, 'empty id');
    if (seen.has(choice.id)) fail(`$.choices[${i}].id`, `duplicate id "${choice.id}"`);
    seen.add(choice.id);
    const label = choice.label.trim();
    if (label === '') fail(`$.choices[${i}].label`, 'empty label');
    if (label.length > rules.maxChoiceLabelChars) {
      fail(
        `$.choices[${i}].label`,
        `label has ${label.length} characters, at most ${rules.maxChoiceLabelChars}`,
      );
    }
  });

  const catalog = new Set(content.contract.acts.map((act) => act.type));
  let sceneChanges = 0;
  output.acts.forEach((act, i) => {
    const at = `$.acts[${i}]`;
    if (!catalog.has(act.type)) fail(`${at}.type`, `act ${act.type} is not in the catalog`);
    if (act.type === 'SCENE_CHANGE') {
      sceneChanges++;
      if (act.to !== output.scene)
        fail(`${at}.to`, `SCENE_CHANGE to "${act.to}" but scene is "${output.scene}"`);
    }
    if ((act.type === 'ADD_ITEM' || act.type === 'REMOVE_ITEM') && !content.itemsById.has(act.item)) {
      fail(`${at}.item`, `unknown item "${act.item}"`);
    }
    if (act.type === 'NPC_RELATIONSHIP' && !content.npcsById.has(act.npc))
      fail(`${at}.npc`, `unknown NPC "${act.npc}"`);
  });
  if (output.scene !== state.scene && sceneChanges === 0) {
    fail('$.acts', `scene moved to "${output.scene}" without a SCENE_CHANGE act`);
  }
  if (sceneChanges > 1) fail('$.acts', 'more than one SCENE_CHANGE act');

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    output: {
      txt,
      scene: output.scene,
      choices: output.choices.map((choice) => ({ id: choice.id.trim(), label: choice.label.trim() })),
      acts: output.acts,
    },
  };
}
