import type { Content, Scene } from '../../content/content-types.js';
import type { GameState } from '../../game/game-types.js';
import { CanonicalFragment, canonicalJsonSized } from '../../shared/canonical-json.js';
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

/**
 * Each recent turn's canonical JSON, written once: a turn appears in the next three bundles of its
 * session, and its narration is most of the text a bundle writes per turn. Keyed by the object, which
 * the turn service hands over unchanged from one turn to the next (recent-turns-cache.ts).
 */
const recentTurnFragments = new WeakMap<RecentTurn, CanonicalFragment>();
function recentTurnFragment(turn: RecentTurn): CanonicalFragment {
  let fragment = recentTurnFragments.get(turn);
  if (fragment === undefined) {
    fragment = new CanonicalFragment({ turn: turn.turn, input: turn.input, txt: turn.txt });
    recentTurnFragments.set(turn, fragment);
  }
  return fragment;
}

/** What a bundle takes from one scene's content: the same for every turn played there. */
interface SceneParts {
  scene: Scene;
  neighbors: Scene[];
  npcs: Content['world']['npcs'];
  /** Their canonical JSON, computed once. */
  json: { scene: CanonicalFragment; neighbors: CanonicalFragment; npcs: CanonicalFragment };
}

/** The static parts of bundles, canonical once per loaded content (one content hash). */
interface StaticParts {
  contract: AwfBundle['contract'];
  world: AwfBundle['world'];
  json: { contract: CanonicalFragment; world: CanonicalFragment; items: CanonicalFragment };
  scenes: Map<string, SceneParts>;
}

const staticPartsByContent = new WeakMap<Content, StaticParts>();

function staticPartsOf(content: Content): StaticParts {
  let parts = staticPartsByContent.get(content);
  if (!parts) {
    const contract = { output: content.contract.output, acts: content.contract.acts };
    const world = {
      name: content.world.name,
      description: content.world.description,
      tone: content.world.tone,
      atmosphere: content.world.atmosphere,
    };
    parts = {
      contract,
      world,
      json: {
        contract: new CanonicalFragment(contract),
        world: new CanonicalFragment(world),
        items: new CanonicalFragment(content.world.items),
      },
      scenes: new Map(),
    };
    staticPartsByContent.set(content, parts);
  }
  return parts;
}

function scenePartsOf(content: Content, parts: StaticParts, sceneId: string): SceneParts {
  const known = parts.scenes.get(sceneId);
  if (known) return known;
  const scene = content.scenesById.get(sceneId);
  if (!scene) throw new Error(`session is in unknown scene "${sceneId}"`);
  const neighbors = uniqueSorted(
    scene.exits.map((exit) => content.scenesById.get(exit.to)).filter((s): s is Scene => s !== undefined),
  );
  const npcIds = new Set([...scene.npcs, ...neighbors.flatMap((neighbor) => neighbor.npcs)]);
  const npcs = content.world.npcs.filter((npc) => npcIds.has(npc.id));
  const sceneParts: SceneParts = {
    scene,
    neighbors,
    npcs,
    json: {
      scene: new CanonicalFragment(scene),
      neighbors: new CanonicalFragment(neighbors),
      npcs: new CanonicalFragment(npcs),
    },
  };
  parts.scenes.set(sceneId, sceneParts);
  return sceneParts;
}

/**
 * Assemble the turn's bundle. Pure: no clock, no randomness beyond the derived seed. The content's
 * parts (contract, world, scene, neighbours, NPCs, items) are canonicalized once per content and
 * scene; each turn writes only its own parts (meta, state, recent turns, input) around them.
 */
export function assembleBundle(request: BundleRequest): AssembledBundle {
  const { content, state } = request;
  const recent = request.recent.slice(-RECENT_TURNS_KEPT);
  const parts = staticPartsOf(content);
  const sceneParts = scenePartsOf(content, parts, state.scene);
  const bundle: AwfBundle = {
    meta: {
      awfVersion: content.contract.awfVersion,
      contentHash: content.hash,
      adventureId: content.adventure.id,
      turn: request.turnNo,
      rngSeed: deriveSeed(request.sessionSeed, 'turn', request.turnNo),
    },
    contract: parts.contract,
    world: parts.world,
    scene: sceneParts.scene,
    neighbors: sceneParts.neighbors,
    npcs: sceneParts.npcs,
    items: content.world.items,
    state: {
      scene: state.scene,
      flags: state.flags,
      inventory: state.inventory,
      relationships: state.relationships,
    },
    recent: recent.map(({ turn, input, txt }) => ({ turn, input, txt })),
    input: request.input,
  };
  const document = {
    ...bundle,
    contract: parts.json.contract,
    world: parts.json.world,
    scene: sceneParts.json.scene,
    neighbors: sceneParts.json.neighbors,
    npcs: sceneParts.json.npcs,
    items: parts.json.items,
    recent: CanonicalFragment.array(recent.map(recentTurnFragment)),
  };
  return { bundle, ...canonicalJsonSized(document) };
}

function uniqueSorted(scenes: Scene[]): Scene[] {
  const byId = new Map(scenes.map((scene) => [scene.id, scene]));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
