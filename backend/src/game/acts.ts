import { z } from 'zod';

/** The ids content uses for scenes, items, NPCs and flags: lowercase letters, digits, - and _. */
export const GameIdSchema = z.string().regex(/^[a-z][a-z0-9-_]*$/, 'lowercase id: letters, digits, - and _');

/** Acts are the state changes a turn may carry; the core contract's catalog names which are allowed. */
export const ActSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SCENE_CHANGE'), to: GameIdSchema }).strict(),
  z.object({ type: z.literal('SET_FLAG'), flag: GameIdSchema, value: z.boolean() }).strict(),
  z.object({ type: z.literal('ADD_ITEM'), item: GameIdSchema }).strict(),
  z.object({ type: z.literal('REMOVE_ITEM'), item: GameIdSchema }).strict(),
  z
    .object({
      type: z.literal('NPC_RELATIONSHIP'),
      npc: GameIdSchema,
      delta: z.number().int().min(-5).max(5),
    })
    .strict(),
]);
export type Act = z.infer<typeof ActSchema>;
export type ActType = Act['type'];
export const ACT_TYPES = ['SCENE_CHANGE', 'SET_FLAG', 'ADD_ITEM', 'REMOVE_ITEM', 'NPC_RELATIONSHIP'] as const;
