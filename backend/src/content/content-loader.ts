import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Act } from '../game/acts.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { AppError } from '../shared/errors.js';
import {
  type Adventure,
  AdventureSchema,
  type Content,
  type CoreContract,
  CoreContractSchema,
  type Requirement,
  type Start,
  StartSchema,
  type World,
  WorldSchema,
} from './content-types.js';

/** A content document is broken: names the file and the JSON path of the problem. */
export class ContentError extends AppError {
  constructor(file: string, jsonPath: string, problem: string) {
    super('CONTENT_INVALID', `${file}: ${jsonPath}: ${problem}`, 400, { file, jsonPath });
  }
}

/** `$.scenes[3].exits[0].to` from a zod issue path. */
export function jsonPathOf(segments: ReadonlyArray<PropertyKey>): string {
  return segments.reduce<string>(
    (acc, segment) => (typeof segment === 'number' ? `${acc}[${segment}]` : `${acc}.${String(segment)}`),
    '$',
  );
}

function readDocument<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ContentError(file, '$', reason);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContentError(file, jsonPathOf(issue?.path ?? []), issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/**
 * Load the core contract, start, adventure and world from a content directory, validate each
 * against its schema, cross-check every reference, and hash the lot.
 */
export function loadContent(dir: string): Content {
  const files = {
    contract: path.join(dir, 'core', 'contract.json'),
    start: path.join(dir, 'start.json'),
  };
  const contract: CoreContract = readDocument(files.contract, CoreContractSchema);
  const start: Start = readDocument(files.start, StartSchema);
  const adventureFile = path.join(dir, 'adventures', `${start.adventureId}.json`);
  const adventure: Adventure = readDocument(adventureFile, AdventureSchema);
  const worldFile = path.join(dir, 'worlds', `${adventure.worldId}.json`);
  const world: World = readDocument(worldFile, WorldSchema);

  const scenesById = new Map(adventure.scenes.map((scene) => [scene.id, scene]));
  const npcsById = new Map(world.npcs.map((npc) => [npc.id, npc]));
  const itemsById = new Map(world.items.map((item) => [item.id, item]));
  const allowedActs = new Set(contract.acts.map((act) => act.type));

  const check = (file: string, jsonPath: string, ok: boolean, problem: string): void => {
    if (!ok) throw new ContentError(file, jsonPath, problem);
  };
  const checkRequirement = (file: string, at: string, requirement: Requirement | undefined): void => {
    requirement?.items?.forEach((item, i) => {
      check(file, `${at}.items[${i}]`, itemsById.has(item), `unknown item "${item}"`);
    });
    for (const npc of Object.keys(requirement?.relationshipAtLeast ?? {})) {
      check(file, `${at}.relationshipAtLeast.${npc}`, npcsById.has(npc), `unknown NPC "${npc}"`);
    }
  };
  const checkAct = (file: string, at: string, act: Act): void => {
    check(
      file,
      `${at}.type`,
      allowedActs.has(act.type),
      `act ${act.type} is not in the core contract's catalog`,
    );
    if (act.type === 'SCENE_CHANGE')
      check(file, `${at}.to`, scenesById.has(act.to), `unknown scene "${act.to}"`);
    if (act.type === 'ADD_ITEM' || act.type === 'REMOVE_ITEM') {
      check(file, `${at}.item`, itemsById.has(act.item), `unknown item "${act.item}"`);
    }
    if (act.type === 'NPC_RELATIONSHIP')
      check(file, `${at}.npc`, npcsById.has(act.npc), `unknown NPC "${act.npc}"`);
  };

  check(adventureFile, '$.worldId', adventure.worldId === world.id, `world file has id "${world.id}"`);
  check(files.start, '$.scene', scenesById.has(start.scene), `unknown scene "${start.scene}"`);
  start.inventory.forEach((item, i) => {
    check(files.start, `$.inventory[${i}]`, itemsById.has(item), `unknown item "${item}"`);
  });
  for (const npc of Object.keys(start.relationships)) {
    check(files.start, `$.relationships.${npc}`, npcsById.has(npc), `unknown NPC "${npc}"`);
  }
  check(adventureFile, '$.scenes', scenesById.size === adventure.scenes.length, 'scene ids are not unique');

  adventure.scenes.forEach((scene, s) => {
    const at = `$.scenes[${s}]`;
    scene.npcs.forEach((npc, i) => {
      check(adventureFile, `${at}.npcs[${i}]`, npcsById.has(npc), `unknown NPC "${npc}"`);
    });
    scene.exits.forEach((exit, e) => {
      check(adventureFile, `${at}.exits[${e}].to`, scenesById.has(exit.to), `unknown scene "${exit.to}"`);
      checkRequirement(adventureFile, `${at}.exits[${e}].requires`, exit.requires);
      check(
        adventureFile,
        `${at}.exits[${e}]`,
        !exit.requires || !!exit.blockedText,
        'a conditional exit needs blockedText',
      );
    });
    check(
      adventureFile,
      `${at}.exits`,
      scene.exits.some((exit) => !exit.requires),
      'every scene needs one exit without requires, so a player can never be stuck',
    );
    const interactionIds = new Set<string>();
    scene.interactions.forEach((interaction, n) => {
      const iat = `${at}.interactions[${n}]`;
      check(
        adventureFile,
        `${iat}.id`,
        !interactionIds.has(interaction.id),
        `duplicate interaction "${interaction.id}"`,
      );
      interactionIds.add(interaction.id);
      interaction.acts.forEach((act, a) => {
        checkAct(adventureFile, `${iat}.acts[${a}]`, act);
      });
      checkRequirement(adventureFile, `${iat}.requires`, interaction.requires);
      check(
        adventureFile,
        iat,
        !interaction.requires || !!interaction.blockedText,
        'a conditional interaction needs blockedText',
      );
      if (interaction.onceFlag) {
        const setsIt = interaction.acts.some(
          (act) => act.type === 'SET_FLAG' && act.flag === interaction.onceFlag && act.value,
        );
        check(
          adventureFile,
          `${iat}.onceFlag`,
          setsIt,
          `onceFlag "${interaction.onceFlag}" is never set by its acts`,
        );
      }
    });
  });

  const hash = createHash('sha256')
    .update(canonicalJson({ contract, world, adventure, start }))
    .digest('hex');
  return { contract, world, adventure, start, hash, scenesById, npcsById, itemsById };
}
