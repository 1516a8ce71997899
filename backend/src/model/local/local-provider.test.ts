import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContent } from '../../content/content-loader.js';
import { AwfBundleSchema } from '../../turns/awf/awf-bundle.js';
import { awfMessages } from '../../turns/awf/awf-prompt.js';
import { assembleBundle } from '../../turns/awf/bundle-assembler.js';
import { validateOutput } from '../../turns/awf/output-validator.js';
import { createLocalProvider } from './local-provider.js';

const content = loadContent(new URL('../../../content', import.meta.url).pathname);
const state = { scene: 'forest-edge', flags: {}, inventory: [], relationships: { kiera: 0 } };
const provider = createLocalProvider({
  content,
  invalidRate: 0,
  errorRate: 0,
  latencyMedianMs: 0,
  timeoutMs: 1000,
});
const assembled = assembleBundle({
  content,
  state,
  sessionSeed: 5,
  turnNo: 1,
  input: 'talk to Kiera',
  recent: [],
});
const bundleJson = assembled.json;

describe('local model: reading the AWF bundle', () => {
  it('answers valid AWF output without validating the whole bundle against its schema', async () => {
    const schema = AwfBundleSchema as unknown as Record<
      'parse' | 'safeParse',
      (...args: unknown[]) => unknown
    >;
    const original = { parse: schema.parse, safeParse: schema.safeParse };
    let validations = 0;
    for (const method of ['parse', 'safeParse'] as const) {
      schema[method] = (...args: unknown[]) => {
        validations += 1;
        return (original[method] as (...a: unknown[]) => unknown).apply(AwfBundleSchema, args);
      };
    }
    try {
      const answer = await provider.complete({
        kind: 'awf',
        messages: awfMessages(content, bundleJson),
        seed: 1,
        jsonMode: true,
      });
      assert.equal(validateOutput(answer.text, content, state).ok, true, answer.text);
      assert.equal(validations, 0);
    } finally {
      Object.assign(schema, original);
    }
  });

  it('refuses a bundle missing a field it narrates from, as a provider error', async () => {
    const bundle = JSON.parse(bundleJson);
    for (const broken of [
      { ...bundle, scene: undefined },
      { ...bundle, meta: { ...bundle.meta, rngSeed: 'seven' } },
      { ...bundle, world: { ...bundle.world, atmosphere: [1] } },
      { ...bundle, state: { ...bundle.state, flags: null } },
      { ...bundle, input: 42 },
    ]) {
      await assert.rejects(
        provider.complete({
          kind: 'awf',
          messages: awfMessages(content, JSON.stringify(broken)),
          seed: 1,
          jsonMode: true,
        }),
        (error: Error & { code?: string }) => error.code === 'MODEL_PROVIDER_ERROR',
      );
    }
  });

  it('answers the same from the bundle object a turn hands over as from the bundle text', async () => {
    // Every input path of the narrator: exits, interactions, inventory, looking, and hesitation.
    for (const input of ['talk to Kiera', 'go north', 'check my pockets', 'look around', 'dance']) {
      for (const seed of [1, 2, 3]) {
        const request = { content, state, sessionSeed: seed, turnNo: 2, input, recent: [] };
        const { bundle, json } = assembleBundle(request);
        const common = { kind: 'awf' as const, messages: awfMessages(content, json), seed, jsonMode: true };
        const fromText = await provider.complete(common);
        const fromObject = await provider.complete({ ...common, bundle });
        assert.deepEqual(fromObject, fromText);
      }
    }
  });

  it('reads the bundle text when the handed-over object lacks a field it narrates from', async () => {
    const common = {
      kind: 'awf' as const,
      messages: awfMessages(content, bundleJson),
      seed: 1,
      jsonMode: true,
    };
    const fromText = await provider.complete(common);
    const fromBroken = await provider.complete({
      ...common,
      bundle: { ...assembled.bundle, scene: undefined },
    });
    assert.deepEqual(fromBroken, fromText);
  });
});
