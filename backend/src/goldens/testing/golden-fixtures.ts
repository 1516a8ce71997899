import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TurnResult } from '../../game/game-types.js';
import type { ModelProvider } from '../../model/model-provider.js';
import type { ReportStream } from '../golden-report.js';

/** The seed's scenario, byte for byte as phase-7-rollout-and-decommission.md writes it. */
export const SEED_FIRST_MEET_KIERA = `{
  "name": "first-meet-kiera",
  "description": "First encounter with Kiera in the forest glade",
  "sessionSeed": 424242,
  "turns": [
    {
      "input": "I step into the glade and look toward the eyes.",
      "expect": {
        "mustInclude": ["glade", "eyes"],
        "choicesAtMost": 5,
        "sceneChange": true
      }
    }
  ]
}
`;

/** A temp scenario directory; remove() deletes it. */
export function tempScenarioDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-goldens-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write `<dir>/<name>.json` from an object (or raw text, for malformed files). */
export function writeScenario(dir: string, name: string, scenario: object | string): string {
  const file = path.join(dir, `${name}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, typeof scenario === 'string' ? scenario : `${JSON.stringify(scenario, null, 2)}\n`);
  return file;
}

/** A two-turn scenario through the glade: a scene change, then a turn that stays. */
export function gladeScenario(name = 'glade-walk', overrides: Record<string, unknown> = {}): object {
  return {
    name,
    description: 'Into the glade and a word with Kiera',
    sessionSeed: 424242,
    turns: [
      {
        input: 'I step into the glade and look toward the eyes.',
        expect: { sceneChange: true, scene: 'moonlit-glade' },
      },
      { input: 'Greet Kiera.', expect: { sceneChange: false, mustInclude: ['walk loud'] } },
    ],
    ...overrides,
  };
}

/** A narrator that says something else: every model answer has `from` replaced by `to`. */
export function rewordingProvider(from: string, to: string): (provider: ModelProvider) => ModelProvider {
  return (provider) => ({
    name: provider.name,
    async complete(request) {
      const response = await provider.complete(request);
      return { ...response, text: response.text.split(from).join(to) };
    },
  });
}

/** A stream that keeps what was written. */
export function captureStream(isTTY = false): ReportStream & { text: string } {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/** A TurnResult with sensible defaults, for expectation tests. */
export function aTurnResult(overrides: Partial<TurnResult> = {}): TurnResult {
  return {
    turnId: 's-1:1',
    pipeline: 'awf',
    txt: 'You push through the brambles and step into the Glade. The eyes watch you.',
    choices: [
      { id: 'do-talk-kiera', label: 'Speak to Kiera' },
      { id: 'go-forest-edge', label: 'Go back out to the forest edge' },
    ],
    scene: 'moonlit-glade',
    sceneChange: true,
    acts: [{ type: 'SCENE_CHANGE', to: 'moonlit-glade' }],
    latencyMs: 12.5,
    retried: false,
    fallback: false,
    tokens: { in: 100, out: 50 },
    bundleBytes: 4000,
    ...overrides,
  };
}
