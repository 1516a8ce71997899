import path from 'node:path';
import { z } from 'zod';
import { type Flags, parseCommand } from '../cli/cli-runner.js';
import type { Pipeline } from '../game/game-types.js';
import type { GoldenMode } from './golden-suite.js';
import { PIPELINES } from './scenario.js';

/** The repository's scenario directory and sample content, whatever the working directory. */
export const DEFAULT_SCENARIO_DIR = path.resolve(import.meta.dirname, '../../goldens');
export const DEFAULT_CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');
/**
 * Scenarios in flight at once, in this process. A scenario is a few milliseconds of CPU, so the pool
 * mostly overlaps simulated model latency; worker threads were measured at ~2 s just to boot two tsx
 * workers, several times the whole suite, so they are not used.
 */
export const DEFAULT_JOBS = 4;
/** Sampled runs (`--mode test --provider openai`): samples per scenario, pass rate, samples in flight. */
export const DEFAULT_SAMPLES = 5;
export const DEFAULT_PASS_RATE = 0.9;
export const DEFAULT_CONCURRENCY = 4;

/** What plays the scenarios: the local deterministic narrator, or the configured real model. */
export const PROVIDERS = ['local', 'openai'] as const;

/** A sampled run's settings; present only with `--provider openai`. */
export interface SamplingOptions {
  samples: number;
  passRate: number;
  concurrency: number;
  maxTokensTotal?: number;
}

export interface RunnerOptions {
  help: boolean;
  mode: GoldenMode;
  scenarios: string[];
  pipeline?: Pipeline;
  /** --update: record the named scenarios (mode record, --scenario required). */
  update: boolean;
  dir: string;
  contentDir: string;
  jobs: number;
  json: boolean;
  junit?: string;
  expand: boolean;
  prune: boolean;
  /** --no-store: do not record this run's results in the configured store. */
  store: boolean;
  /** --source: who started the run, stored with it (default `cli`; the plan controller says `plan-controller`). */
  source: string;
  provider: (typeof PROVIDERS)[number];
  /** Set exactly when provider is openai (mode test). */
  sampling?: SamplingOptions;
}

export const RUNNER_FLAGS: Flags = {
  mode: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  pipeline: { type: 'string' },
  update: { type: 'boolean' },
  dir: { type: 'string' },
  'content-dir': { type: 'string' },
  jobs: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  expand: { type: 'boolean' },
  prune: { type: 'boolean' },
  'no-store': { type: 'boolean' },
  source: { type: 'string' },
  provider: { type: 'string' },
  samples: { type: 'string' },
  'pass-rate': { type: 'string' },
  concurrency: { type: 'string' },
  'max-tokens-total': { type: 'string' },
};

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message);
};

const nonEmpty = z.string().min(1, 'needs a value');

/** The runner's flags after node:util parseArgs, validated and defaulted in one place. */
export const RunnerOptionsSchema = z
  .object({
    mode: z.enum(['record', 'verify', 'test'], 'must be record, verify or test').optional(),
    scenario: z.array(nonEmpty).default([]),
    pipeline: z.enum(PIPELINES, 'must be awf or legacy').optional(),
    update: z.boolean().default(false),
    dir: nonEmpty.optional(),
    'content-dir': nonEmpty.optional(),
    jobs: z
      .string()
      .regex(/^\d+$/, 'must be a whole number from 1 to 64')
      .transform(Number)
      .refine((jobs) => jobs >= 1 && jobs <= 64, 'must be a whole number from 1 to 64')
      .optional(),
    json: z.boolean().default(false),
    junit: nonEmpty.optional(),
    expand: z.boolean().default(false),
    prune: z.boolean().default(false),
    'no-store': z.boolean().default(false),
    source: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and -, e.g. plan-controller')
      .default('cli'),
    provider: z.enum(PROVIDERS, 'must be local or openai').default('local'),
    samples: wholeNumber(1, 10_000).optional(),
    'pass-rate': z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number above 0 and at most 1, e.g. 0.9')
      .transform(Number)
      .refine((rate) => rate > 0 && rate <= 1, 'must be a number above 0 and at most 1, e.g. 0.9')
      .optional(),
    concurrency: wholeNumber(1, 64).optional(),
    'max-tokens-total': wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  })
  .superRefine((flags, ctx) => {
    const problem = (flag: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [flag], message });
    };
    if (flags.provider === 'openai') {
      const mode = flags.update ? 'record' : (flags.mode ?? 'verify');
      if (mode !== 'test') {
        problem(
          'provider',
          `${mode} compares exact golden files and is for the local model only (it tests our code); to test a real model use --mode test --provider openai`,
        );
      }
      if (flags.jobs !== undefined) problem('jobs', 'a sampled run takes --concurrency (samples in flight)');
    } else {
      for (const flag of ['samples', 'pass-rate', 'concurrency', 'max-tokens-total'] as const) {
        if (flags[flag] !== undefined) {
          problem(
            flag,
            'needs --mode test --provider openai (the local model is deterministic: verify plays it once)',
          );
        }
      }
    }
    if (flags.update && flags.mode !== undefined && flags.mode !== 'record') {
      problem('update', `records; it cannot be combined with --mode ${flags.mode}`);
    }
    if (flags.update && flags.scenario.length === 0) {
      problem('update', 'needs --scenario <name> (to re-record everything: --mode record)');
    }
    if (flags.prune && flags.scenario.length > 0) problem('prune', 'works on a full run; drop --scenario');
    if (flags.prune && flags.mode === 'test') problem('prune', 'needs --mode record or verify');
  });

/** Parse argv (without node and script). Throws a UsageError (exit 2) naming the flag. */
export function parseRunnerArgs(argv: readonly string[], cwd: string = process.cwd()): RunnerOptions {
  const parsed = parseCommand({ flags: RUNNER_FLAGS, schema: RunnerOptionsSchema }, argv);
  if (parsed.help) return { ...runnerOptionsOf(RunnerOptionsSchema.parse({}), cwd), help: true };
  return runnerOptionsOf(parsed.args, cwd);
}

/** The validated flags as the runner's options, paths resolved from `cwd`. */
export function runnerOptionsOf(flags: z.output<typeof RunnerOptionsSchema>, cwd: string): RunnerOptions {
  return {
    help: false,
    mode: flags.update ? 'record' : (flags.mode ?? 'verify'),
    scenarios: flags.scenario,
    ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
    update: flags.update,
    dir: flags.dir ? path.resolve(cwd, flags.dir) : DEFAULT_SCENARIO_DIR,
    contentDir: flags['content-dir'] ? path.resolve(cwd, flags['content-dir']) : DEFAULT_CONTENT_DIR,
    jobs: flags.jobs ?? DEFAULT_JOBS,
    json: flags.json,
    ...(flags.junit ? { junit: path.resolve(cwd, flags.junit) } : {}),
    expand: flags.expand,
    prune: flags.prune,
    store: !flags['no-store'],
    source: flags.source,
    provider: flags.provider,
    ...(flags.provider === 'openai'
      ? {
          sampling: {
            samples: flags.samples ?? DEFAULT_SAMPLES,
            passRate: flags['pass-rate'] ?? DEFAULT_PASS_RATE,
            concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
            ...(flags['max-tokens-total'] !== undefined ? { maxTokensTotal: flags['max-tokens-total'] } : {}),
          },
        }
      : {}),
  };
}

export const HELP = `Golden test runner: play scenarios end to end and record, verify or test their outputs.

Usage: tsx backend/src/goldens/runner.ts [flags]
       npm run awf:golden:record        record every golden file
       npm run awf:golden:test          verify every scenario against its golden file and expectations

Modes (--mode, default verify):
  record   play each scenario, check its expectations, write <name>.golden.json ("written" or
           "unchanged"; a scenario whose expectations fail is not written). Refused when CI=true.
  verify   play each scenario, compare with its golden file (unified diff per turn on a difference,
           actual output left in <name>.received.json) and check its expectations.
  test     play each scenario and check its expectations only; golden files are not read.
           With --provider openai: a sampled run against the real model (below).

Flags:
  --scenario NAME    run only this scenario; repeat for several (default: all in --dir)
  --pipeline P       play on awf or legacy instead of each scenario's own pipeline; goldens for the
                     other pipeline are <name>.<P>.golden.json
  --update           record the --scenario(s) given: accept their current output
  --dir DIR          scenario directory; goldens live beside the scenarios (default backend/goldens)
  --content-dir DIR  AWF content to play (default backend/content)
  --jobs N           scenarios played at once (default 4)
  --expand           show whole turns in diffs instead of 3 lines of context
  --prune            delete golden files no scenario owns (full run, record or verify)
  --json             print the report as JSON on stdout instead of the table
  --junit FILE       also write a JUnit XML report to FILE
  --no-store         do not store this run's results (AWF_DB_PATH / DATABASE_URL)
  --source NAME      who started the run, stored with it (default cli; the plan's controller
                     says plan-controller)
  -h, --help         this text

Sampled runs against the model that will serve (--mode test --provider openai):
  --provider P       local (default: the deterministic narrator, for verify / record / test of our
                     code) or openai: the endpoint AWF_MODEL_* configures, as the server would use it
                     (AWF_MODEL_BASE_URL, AWF_MODEL_NAME, AWF_MODEL_API_KEY …; legacy turns use
                     AWF_LEGACY_MODEL_*, each unset one taking the AWF value). verify and record are
                     refused with openai: a real model is not deterministic.
  --samples N        plays of each scenario (default ${DEFAULT_SAMPLES}); scenarios with a \`model\` block
                     (local fault injection) are skipped
  --pass-rate R      share of samples that must pass, 0 < R <= 1 (default ${DEFAULT_PASS_RATE}); a scenario's
                     own "passRate" wins
  --concurrency C    samples in flight at once (default ${DEFAULT_CONCURRENCY})
  --max-tokens-total T  stop before the run could spend more than T tokens (exit 2, partial results
                     kept, stored and marked partial)

Exit codes: 0 all passed (or written; sampled: every scenario met its pass rate), 1 a scenario
failed, 2 usage or input error (unknown, repeated or malformed flag, malformed or unknown scenario,
a write refused under CI=true, bad model settings) or a sampled run stopped by --max-tokens-total,
3 a runtime failure (the run could not complete).
`;
