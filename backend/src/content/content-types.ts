import { z } from 'zod';
import { ACT_TYPES, ActSchema, GameIdSchema } from '../game/acts.js';

const id = GameIdSchema;

/** A condition on the game state: all listed flags set, items held, relationships at least. */
export const RequirementSchema = z
  .object({
    flags: z.array(id).optional(),
    notFlags: z.array(id).optional(),
    items: z.array(id).optional(),
    relationshipAtLeast: z.record(id, z.number().int()).optional(),
  })
  .strict();
export type Requirement = z.infer<typeof RequirementSchema>;

/** The core contract: what a valid AWF model output is. */
export const CoreContractSchema = z
  .object({
    awfVersion: z.string(),
    output: z
      .object({
        minChoices: z.number().int().min(1),
        maxChoices: z.number().int().min(1).max(10),
        maxChoiceLabelChars: z.number().int().min(8),
        maxTextChars: z.number().int().min(40),
      })
      .strict(),
    acts: z.array(z.object({ type: z.enum(ACT_TYPES), description: z.string().min(1) }).strict()).min(1),
    instructions: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type CoreContract = z.infer<typeof CoreContractSchema>;

export const NpcSchema = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().min(1),
    traits: z.array(z.string()).min(1),
    greeting: z.string().min(1),
  })
  .strict();
export type Npc = z.infer<typeof NpcSchema>;

export const ItemSchema = z.object({ id, name: z.string().min(1), description: z.string().min(1) }).strict();
export type Item = z.infer<typeof ItemSchema>;

export const WorldSchema = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().min(1),
    tone: z.string().min(1),
    /** Atmosphere lines the narrator may weave in, chosen by the turn's seed. */
    atmosphere: z.array(z.string().min(1)).min(3),
    npcs: z.array(NpcSchema).min(1),
    items: z.array(ItemSchema),
  })
  .strict();
export type World = z.infer<typeof WorldSchema>;

export const ExitSchema = z
  .object({
    to: id,
    label: z.string().min(1).max(80),
    /** Words in the player's input that take this exit. */
    keywords: z.array(z.string().min(2)).min(1),
    /** Narration of the way there; the target scene's description follows it. */
    text: z.string().min(1),
    requires: RequirementSchema.optional(),
    /** Said instead when `requires` does not hold. */
    blockedText: z.string().min(1).optional(),
  })
  .strict();
export type Exit = z.infer<typeof ExitSchema>;

export const InteractionSchema = z
  .object({
    id,
    label: z.string().min(1).max(80),
    keywords: z.array(z.string().min(2)).min(1),
    text: z.string().min(1),
    acts: z.array(ActSchema),
    requires: RequirementSchema.optional(),
    blockedText: z.string().min(1).optional(),
    /** Flag that marks the interaction done; once set it is no longer offered. */
    onceFlag: id.optional(),
  })
  .strict();
export type Interaction = z.infer<typeof InteractionSchema>;

export const SceneSchema = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().min(1),
    npcs: z.array(id),
    exits: z.array(ExitSchema).min(1),
    interactions: z.array(InteractionSchema),
  })
  .strict();
export type Scene = z.infer<typeof SceneSchema>;

export const AdventureSchema = z
  .object({
    id,
    worldId: id,
    title: z.string().min(1),
    synopsis: z.string().min(1),
    scenes: z.array(SceneSchema).min(1),
  })
  .strict();
export type Adventure = z.infer<typeof AdventureSchema>;

export const StartSchema = z
  .object({
    adventureId: id,
    scene: id,
    opening: z.string().min(1),
    flags: z.record(id, z.boolean()),
    inventory: z.array(id),
    relationships: z.record(id, z.number().int()),
  })
  .strict();
export type Start = z.infer<typeof StartSchema>;

/** Everything loaded, validated and cross-checked, with its hash. */
export interface Content {
  contract: CoreContract;
  world: World;
  adventure: Adventure;
  start: Start;
  /** sha256 over the canonical JSON of the four documents; goes into bundle meta. */
  hash: string;
  scenesById: ReadonlyMap<string, Scene>;
  npcsById: ReadonlyMap<string, Npc>;
  itemsById: ReadonlyMap<string, Item>;
}
