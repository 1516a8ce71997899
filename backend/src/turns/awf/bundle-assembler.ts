import type { Content, Scene } from '../../content/content-types.js';
import type { GameState } from '../../game/game-types.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { deriveSeed } from '../../shared/seeded-random.js';
import type { AwfBundle } from './awf-bundle.js';

export interface RecentTurn {
  turn: number;
  input: string;
  txt: string;
}

export interface BundleRequest {
  content: Content;
  state: GameState;
  sessionSeed: number;
  turnNo: number;
  input: string;
  /** The last few turns, oldest first; the assembler keeps at most three. */
  recent: readonly RecentTurn[];
}

export interface AssembledBundle {
  bundle: AwfBundle;
  /** Canonical JSON: same state and input give byte-identical text. */
  json: string;
  bytes: number;
}

const RECENT_TURNS_KEPT = 3;

/** Assemble the turn's bundle. Pure: no clock, no randomness beyond the derived seed. */
export function assembleBundle(request: BundleRequest): AssembledBundle {
  const { content, state } = request;
  const scene = content.scenesById.get(state.scene);
  if (!scene) throw new Error(`session is in unknown scene "${state.scene}"`);
  const neighbors = uniqueSorted(
    scene.exits.map((exit) => content.scenesById.get(exit.to)).filter((s): s is Scene => s !== undefined),
  );
  const npcIds = new Set([...scene.npcs, ...neighbors.flatMap((neighbor) => neighbor.npcs)]);
  const bundle: AwfBundle = {
    meta: {
      awfVersion: content.contract.awfVersion,
      contentHash: content.hash,
      adventureId: content.adventure.id,
      turn: request.turnNo,
      rngSeed: deriveSeed(request.sessionSeed, 'turn', request.turnNo),
    },
    contract: { output: content.contract.output, acts: content.contract.acts },
    world: {
      name: content.world.name,
      description: content.world.description,
      tone: content.world.tone,
      atmosphere: content.world.atmosphere,
    },
    scene,
    neighbors,
    npcs: content.world.npcs.filter((npc) => npcIds.has(npc.id)),
    items: content.world.items,
    state: {
      scene: state.scene,
      flags: state.flags,
      inventory: state.inventory,
      relationships: state.relationships,
    },
    recent: request.recent.slice(-RECENT_TURNS_KEPT).map(({ turn, input, txt }) => ({ turn, input, txt })),
    input: request.input,
  };
  const json = canonicalJson(bundle);
  return { bundle, json, bytes: Buffer.byteLength(json, 'utf8') };
}

function uniqueSorted(scenes: Scene[]): Scene[] {
  const byId = new Map(scenes.map((scene) => [scene.id, scene]));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
