import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { jsonPathOf } from '../content/content-loader.js';
import type { Content } from '../content/content-types.js';
import { GameIdSchema } from '../game/acts.js';
import { NoScenariosError, ScenarioInvalidError, ScenarioNotFoundError } from './golden-errors.js';

export const PIPELINES = ['awf', 'legacy'] as const;
export const FALLBACK_REASONS = ['invalid_output', 'provider_error', 'timeout'] as const;

/** At most six decimals: the local model's rates go through the same env parser the process uses. */
const rate = z
  .number()
  .min(0)
  .max(1)
  .refine((value) => /^\d+(\.\d{1,6})?$/.test(String(value)), 'a rate with at most 6 decimals');

/**
 * An act the turn must carry: its type, and any of its fields that must have these values (a field left
 * out matches anything). `{ "type": "SCENE_CHANGE", "to": "moonlit-glade" }`, `{ "type": "ADD_ITEM" }`.
 */
export const ActPatternSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SCENE_CHANGE'), to: GameIdSchema.optional() }).strict(),
  z
    .object({ type: z.literal('SET_FLAG'), flag: GameIdSchema.optional(), value: z.boolean().optional() })
    .strict(),
  z.object({ type: z.literal('ADD_ITEM'), item: GameIdSchema.optional() }).strict(),
  z.object({ type: z.literal('REMOVE_ITEM'), item: GameIdSchema.optional() }).strict(),
  z
    .object({
      type: z.literal('NPC_RELATIONSHIP'),
      npc: GameIdSchema.optional(),
      delta: z.number().int().min(-5).max(5).optional(),
    })
    .strict(),
]);
export type ActPattern = z.infer<typeof ActPatternSchema>;

/** A `mustInclude` entry: one string, or a list of alternatives any one of which is enough. */
const TextNeedleSchema = z.union(
  [z.string().min(1), z.array(z.string().min(1)).min(1)],
  'a non-empty string, or a non-empty list of non-empty strings (any one of them is enough)',
);
export type TextNeedle = z.infer<typeof TextNeedleSchema>;

/**
 * What one turn must show. Every key is optional; a key not listed here is an error, so a typo never
 * silently checks nothing.
 */
export const ExpectationsSchema = z
  .object({
    /**
     * Case-insensitive substrings of the turn's text, each required; an entry that is a list is an
     * any-of group (`["glade", "clearing"]`: either word will do), for models that paraphrase.
     */
    mustInclude: z.array(TextNeedleSchema).optional(),
    /** Case-insensitive substrings none of which may appear (any one of them fails). */
    mustNotInclude: z.array(z.string().min(1)).optional(),
    choicesAtMost: z.number().int().min(0).optional(),
    choicesAtLeast: z.number().int().min(0).optional(),
    sceneChange: z.boolean().optional(),
    /** The scene id after the turn. */
    scene: z.string().min(1).optional(),
    /** The pipeline that answered (a fallback answers from legacy). */
    pipeline: z.enum(PIPELINES).optional(),
    retried: z.boolean().optional(),
    fallback: z.boolean().optional(),
    fallbackReason: z.enum(FALLBACK_REASONS).optional(),
    /** Acts the turn must carry, each matched by type and the fields given. */
    actsInclude: z.array(ActPatternSchema).min(1).optional(),
    /** The turn's latency (the player's wait, retries and fallback included) is at most this. */
    maxLatencyMs: z.number().positive().optional(),
    /** Whether the AWF model's first answer was valid: AWF answered with no retry and no fallback. */
    validFirstTry: z.boolean().optional(),
  })
  .strict();
export type Expectations = z.infer<typeof ExpectationsSchema>;
export const EXPECTATION_NAMES = Object.keys(ExpectationsSchema.shape) as Array<keyof Expectations>;

/** The local model's fault injection and latency for this scenario (all seeded, so reproducible). */
export const ScenarioModelSchema = z
  .object({
    invalidRate: rate.default(0),
    errorRate: rate.default(0),
    latencyMedianMs: z.number().int().min(0).max(10_000).default(0),
    timeoutMs: z.number().int().min(1).max(60_000).default(15_000),
  })
  .strict();
export type ScenarioModel = z.infer<typeof ScenarioModelSchema>;
const DEFAULT_MODEL: ScenarioModel = { invalidRate: 0, errorRate: 0, latencyMedianMs: 0, timeoutMs: 15_000 };

export const ScenarioTurnSchema = z
  .object({
    /** What the player types; a bare number picks one of the choices offered last. */
    input: z.string().refine((input) => input.trim().length > 0, 'input must not be blank'),
    expect: ExpectationsSchema.optional(),
  })
  .strict();
export type ScenarioTurn = z.infer<typeof ScenarioTurnSchema>;

/** A golden scenario, in the seed's format plus the optional `pipeline` and `model`. */
export const ScenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a name of lowercase letters, digits and -'),
    description: z.string().min(1),
    sessionSeed: z.number().int().min(0).max(4_294_967_295),
    pipeline: z.enum(PIPELINES).default('awf'),
    model: ScenarioModelSchema.default(DEFAULT_MODEL),
    /**
     * Sampled runs only (`--mode test --provider openai`): the share of samples that must pass for this
     * scenario to pass; it wins over `--pass-rate`, which applies to scenarios that set none.
     */
    passRate: z
      .number()
      .gt(0, 'a pass rate above 0 and at most 1')
      .max(1, 'a pass rate above 0 and at most 1')
      .optional(),
    turns: z.array(ScenarioTurnSchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

/** A scenario and the file it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

const SCENARIO_FILE = /^([a-z0-9][a-z0-9-]*)\.json$/;

/**
 * Scenario names in a directory: every `<name>.json` that is not a golden or received file. Throws
 * NoScenariosError when the directory cannot be read (a typo'd --dir must not pass as "nothing ran").
 */
export function listScenarioNames(dir: string, displayDir = dir): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'the directory does not exist'
        : (error as Error).message;
    throw new NoScenariosError(displayDir, reason);
  }
  return entries
    .filter((entry) => !entry.endsWith('.golden.json') && !entry.endsWith('.received.json'))
    .map((entry) => SCENARIO_FILE.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/**
 * Read and validate one scenario file. Throws ScenarioInvalidError naming the file (as `displayPath`
 * shows it) and the JSON path of the first problem.
 */
export function loadScenarioFile(file: string, displayPath = file): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioInvalidError(displayPath, '$', (error as Error).message);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ScenarioInvalidError(displayPath, '$', describeJsonError(text, error as Error));
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const [jsonPath, problem] = describeIssue(issue, raw);
    throw new ScenarioInvalidError(displayPath, jsonPath, problem);
  }
  const expectedName = path.basename(file, '.json');
  if (parsed.data.name !== expectedName) {
    throw new ScenarioInvalidError(
      displayPath,
      '$.name',
      `"${parsed.data.name}" does not match the file name (expected "${expectedName}")`,
    );
  }
  return parsed.data;
}

/**
 * Load the named scenarios (all of them when `names` is empty) from `dir`, in name order. Throws on
 * the first unknown name or malformed file.
 */
export function loadScenarios(
  dir: string,
  names: readonly string[],
  displayPath: (file: string) => string = (file) => file,
): LoadedScenario[] {
  const known = listScenarioNames(dir, displayPath(dir));
  if (known.length === 0)
    throw new NoScenariosError(displayPath(dir), 'the directory has no <name>.json scenario files');
  for (const name of names) {
    if (!known.includes(name)) throw new ScenarioNotFoundError(name, displayPath(dir), known);
  }
  const selected = names.length > 0 ? [...new Set(names)].sort() : known;
  return selected.map((name) => {
    const file = path.join(dir, `${name}.json`);
    return { file, scenario: loadScenarioFile(file, displayPath(file)) };
  });
}

/** Checks only the content can answer: every expected scene exists, also as an expected act's target. */
export function checkScenarioAgainstContent(
  loaded: LoadedScenario,
  content: Content,
  displayPath: string,
): void {
  const checkScene = (scene: string | undefined, jsonPath: string): void => {
    if (scene !== undefined && !content.scenesById.has(scene)) {
      const known = [...content.scenesById.keys()].join(', ');
      throw new ScenarioInvalidError(displayPath, jsonPath, `unknown scene "${scene}" (known: ${known})`);
    }
  };
  loaded.scenario.turns.forEach((turn, i) => {
    checkScene(turn.expect?.scene, `$.turns[${i}].expect.scene`);
    turn.expect?.actsInclude?.forEach((act, j) => {
      if (act.type === 'SCENE_CHANGE') checkScene(act.to, `$.turns[${i}].expect.actsInclude[${j}].to`);
    });
  });
}

/**
 * A scenario that pins down the local model's injected faults (invalid output, errors, latency): its
 * expectations (retried, fallback, timeout) are about that injection, so a sampled run against a real
 * model skips it.
 */
export function injectsLocalFaults(scenario: Scenario): boolean {
  const { model } = scenario;
  return model.invalidRate > 0 || model.errorRate > 0 || model.latencyMedianMs > 0;
}

/** "line 3 column 5" for JSON.parse's "at position 42", so the message points into the file. */
function describeJsonError(text: string, error: Error): string {
  const reason = error.message.replace(/^Unexpected/, 'unexpected');
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return `not valid JSON: ${reason}`;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `not valid JSON at line ${line} column ${column}: ${reason.replace(/ in JSON at position \d+.*$/, '')}`;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): [jsonPath: string, problem: string] {
  const at = jsonPathOf(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const isExpectation = issue.path[issue.path.length - 1] === 'expect';
    const what = isExpectation ? 'expectation' : 'field';
    const known = isExpectation ? EXPECTATION_NAMES : knownFieldsAt(issue.path, raw);
    return [`${at}.${key}`, `unknown ${what} "${key}" (known: ${known.join(', ')})`];
  }
  if (issue.code === 'invalid_type') {
    const message = issue.message.replace(/^Invalid input: /, '');
    if (/received undefined$/.test(message))
      return [at, `missing required field (${message.replace(/, received undefined$/, '')})`];
    return [at, `wrong type: ${message}`];
  }
  return [at, issue.message];
}

function knownFieldsAt(issuePath: ReadonlyArray<PropertyKey>, raw: unknown): string[] {
  const last = issuePath[issuePath.length - 1];
  if (issuePath.length === 0) return Object.keys(ScenarioSchema.shape);
  if (last === 'model') return Object.keys(ScenarioModelSchema.shape);
  if (issuePath[issuePath.length - 2] === 'actsInclude') {
    const act = issuePath.reduce<unknown>(
      (value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key],
      raw,
    ) as { type?: unknown };
    const option = ActPatternSchema.options.find((candidate) => candidate.shape.type.value === act?.type);
    return option ? Object.keys(option.shape) : ['type'];
  }
  return Object.keys(ScenarioTurnSchema.shape);
}
