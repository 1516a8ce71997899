import { z } from 'zod';
import { ItemSchema, NpcSchema, SceneSchema } from '../../content/content-types.js';

/**
 * The AWF bundle: everything the model needs for one turn, as one JSON document. The schema lets a
 * provider that reads bundles (the local narrator) parse rather than trust what it was sent.
 */
export const AwfBundleSchema = z.object({
  meta: z.object({
    awfVersion: z.string(),
    contentHash: z.string(),
    adventureId: z.string(),
    turn: z.number().int().min(1),
    rngSeed: z.number().int(),
  }),
  contract: z.object({
    output: z.object({
      minChoices: z.number().int(),
      maxChoices: z.number().int(),
      maxChoiceLabelChars: z.number().int(),
      maxTextChars: z.number().int(),
    }),
    acts: z.array(z.object({ type: z.string(), description: z.string() })),
  }),
  world: z.object({
    name: z.string(),
    description: z.string(),
    tone: z.string(),
    atmosphere: z.array(z.string()),
  }),
  scene: SceneSchema,
  neighbors: z.array(SceneSchema),
  npcs: z.array(NpcSchema),
  items: z.array(ItemSchema),
  state: z.object({
    scene: z.string(),
    flags: z.record(z.string(), z.boolean()),
    inventory: z.array(z.string()),
    relationships: z.record(z.string(), z.number()),
  }),
  recent: z.array(z.object({ turn: z.number().int(), input: z.string(), txt: z.string() })),
  input: z.string(),
});
export type AwfBundle = z.infer<typeof AwfBundleSchema>;
