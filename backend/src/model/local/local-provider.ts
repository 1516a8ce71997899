import { setTimeout as sleep } from 'node:timers/promises';
import type { Content, Scene } from '../../content/content-types.js';
import type { GameState } from '../../game/game-types.js';
import { ModelProviderError, ModelTimeoutError } from '../../shared/errors.js';
import { deriveSeed, type SeededRandom, seededRandom } from '../../shared/seeded-random.js';
import type { AwfBundle } from '../../turns/awf/awf-bundle.js';
import { parseLegacyPrompt, renderLegacyAnswer } from '../../turns/legacy/legacy-format.js';
import type { ModelProvider, ModelRequest, ModelResponse } from '../model-provider.js';
import { type Narration, narrate } from './narrator.js';

export interface LocalProviderOptions {
  content: Content;
  /** Fraction (0–1) of AWF calls answered with output that breaks the contract. */
  invalidRate: number;
  /** Fraction (0–1) of AWF calls that fail like a provider outage. */
  errorRate: number;
  /** Median of the log-normal simulated latency; 0 answers at once. */
  latencyMedianMs: number;
  timeoutMs: number;
}

/** Spread of the simulated latency: sigma of the underlying normal (p95 ≈ 2.7 × median). */
const LATENCY_SIGMA = 0.6;

/**
 * The embedded default model: a content-driven, seeded narrator. It reads the AWF bundle (or the
 * legacy prompt), decides what happens with `narrate`, and answers in AWF JSON or legacy text. Faults
 * are drawn from the call's seed, so a given session replays the same faults every time.
 */
export function createLocalProvider(options: LocalProviderOptions): ModelProvider {
  const { content } = options;

  // Each fault draw builds its generator only when its rate can fire: at 0 it never does, and
  // seeding three generators per call was a visible share of a turn on the default settings.
  const simulateLatency = async (seed: number): Promise<void> => {
    if (options.latencyMedianMs <= 0) return;
    const random = seededRandom(deriveSeed(seed, 'latency'));
    const latency = options.latencyMedianMs * Math.exp(LATENCY_SIGMA * random.normal());
    if (latency >= options.timeoutMs) {
      await sleep(options.timeoutMs);
      throw new ModelTimeoutError(options.timeoutMs);
    }
    await sleep(latency);
  };

  const answerAwf = (request: ModelRequest): string => {
    const bundle = findBundle(request);
    const narration = narrate({
      scene: bundle.scene,
      neighbors: bundle.neighbors,
      npcs: bundle.npcs,
      items: bundle.items,
      atmosphere: bundle.world.atmosphere,
      state: bundle.state as GameState,
      input: bundle.input,
      maxChoices: bundle.contract.output.maxChoices,
      seed: bundle.meta.rngSeed,
    });
    if (options.invalidRate > 0) {
      const faults = seededRandom(deriveSeed(request.seed, 'invalid'));
      if (faults.next() < options.invalidRate) return invalidAnswer(narration, faults);
    }
    return JSON.stringify({
      txt: narration.txt,
      scene: narration.scene,
      choices: narration.choices,
      acts: narration.acts,
    });
  };

  const answerLegacy = (request: ModelRequest): string => {
    const prompt = request.messages.map((message) => message.content).join('\n');
    const fields = parseLegacyPrompt(prompt);
    const scene = fields && content.scenesById.get(fields.scene);
    if (!fields || !scene)
      throw new ModelProviderError('local model: the legacy prompt has no readable Scene/Seed/Player header');
    const state: GameState = {
      scene: scene.id,
      flags: Object.fromEntries(fields.flags.map((flag) => [flag, true])),
      inventory: fields.inventory,
      relationships: fields.relationships,
    };
    const neighbors = scene.exits
      .map((exit) => content.scenesById.get(exit.to))
      .filter((s): s is Scene => s !== undefined);
    const narration = narrate({
      scene,
      neighbors,
      npcs: content.world.npcs,
      items: content.world.items,
      atmosphere: content.world.atmosphere,
      state,
      input: fields.input,
      maxChoices: content.contract.output.maxChoices,
      seed: fields.seed,
    });
    const sceneName = content.scenesById.get(narration.scene)?.name ?? scene.name;
    return renderLegacyAnswer({ ...narration, sceneName });
  };

  return {
    name: 'local',
    async complete(request: ModelRequest): Promise<ModelResponse> {
      await simulateLatency(request.seed);
      if (
        request.kind === 'awf' &&
        options.errorRate > 0 &&
        seededRandom(deriveSeed(request.seed, 'error')).next() < options.errorRate
      ) {
        throw new ModelProviderError('local model: injected provider error (AWF_LOCAL_ERROR_RATE)');
      }
      const text = request.kind === 'awf' ? answerAwf(request) : answerLegacy(request);
      const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
      return { text, tokens: { in: Math.ceil(promptChars / 4), out: Math.ceil(text.length / 4) } };
    },
  };
}

/**
 * The bundle of the request: the object it carries, else the one among its messages. The local model
 * reads only the fields it narrates from and checks just those (the assembler built the bundle from
 * validated content; re-validating all of it with the bundle schema on every call was a measurable
 * share of a turn, and so was parsing the bundle's JSON back when the turn hands over the object).
 */
function findBundle(request: ModelRequest): AwfBundle {
  if (hasNarratedFields(request.bundle)) return request.bundle;
  for (const message of request.messages) {
    if (message.role !== 'user' || !message.content.trimStart().startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(message.content);
      if (hasNarratedFields(parsed)) return parsed;
    } catch {
      // not the bundle; keep looking
    }
  }
  throw new ModelProviderError('local model: the request carries no AWF bundle');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields `narrate` reads, with the types it reads them as. */
function hasNarratedFields(value: unknown): value is AwfBundle {
  if (!isObject(value)) return false;
  const { meta, contract, world, scene, neighbors, npcs, items, state, input } = value;
  return (
    isObject(meta) &&
    Number.isInteger(meta.rngSeed) &&
    isObject(contract) &&
    isObject(contract.output) &&
    Number.isInteger(contract.output.maxChoices) &&
    isObject(world) &&
    Array.isArray(world.atmosphere) &&
    world.atmosphere.every((line) => typeof line === 'string') &&
    isObject(scene) &&
    typeof scene.id === 'string' &&
    Array.isArray(scene.exits) &&
    Array.isArray(scene.interactions) &&
    Array.isArray(neighbors) &&
    neighbors.every(isObject) &&
    Array.isArray(npcs) &&
    npcs.every(isObject) &&
    Array.isArray(items) &&
    items.every(isObject) &&
    isObject(state) &&
    typeof state.scene === 'string' &&
    isObject(state.flags) &&
    Array.isArray(state.inventory) &&
    isObject(state.relationships) &&
    typeof input === 'string'
  );
}

/** Output that breaks the contract in one of the ways real models do. */
function invalidAnswer(narration: Narration, random: SeededRandom): string {
  const variants: Array<() => string> = [
    () => `${narration.txt}\n\nWhat do you do next?`,
    () =>
      JSON.stringify({
        ...narration,
        choices: Array.from({ length: 7 }, (_, i) => ({ id: `c${i + 1}`, label: `Option ${i + 1}` })),
      }),
    () =>
      JSON.stringify({
        ...narration,
        scene: 'the-void-between',
        acts: [{ type: 'SCENE_CHANGE', to: 'the-void-between' }],
      }),
    () => JSON.stringify({ ...narration, txt: '' }),
    () => JSON.stringify({ ...narration, acts: [...narration.acts, { type: 'TELEPORT', to: 'anywhere' }] }),
    () =>
      `{"txt": ${JSON.stringify(narration.txt.slice(0, 40))}, "scene": "${narration.scene}", "choices": [`,
  ];
  return random.pick(variants)();
}
