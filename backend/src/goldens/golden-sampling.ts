import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadContent } from '../content/content-loader.js';
import type { FallbackReason, Pipeline, TokenUsage } from '../game/game-types.js';
import type { ModelProvider } from '../model/model-provider.js';
import { deriveSeed } from '../shared/seeded-random.js';
import { checkExpectations, type ExpectationFailure, isValidFirstTry } from './expectations.js';
import { HARNESS_VERSION } from './golden-document.js';
import { NoScenariosError } from './golden-errors.js';
import type { GoldenRunModel } from './golden-run-store.js';
import { mapWithConcurrency } from './golden-suite.js';
import { type Interval, meetsPassRate, percentile, wilsonInterval } from './sampling-stats.js';
import {
  checkScenarioAgainstContent,
  type Expectations,
  injectsLocalFaults,
  type LoadedScenario,
  loadScenarios,
  type Scenario,
} from './scenario.js';
import {
  openScenarioPlayer,
  type PlayedTurn,
  type ProviderWrap,
  ScenarioPlayError,
  type ScenarioPlayer,
} from './scenario-player.js';
import { createTokenBudget, TokenBudgetExhaustedError } from './token-budget.js';

/** One expectation of one turn over the samples: how often it held. */
export interface ExpectationTally {
  turn: number;
  expectation: keyof Expectations;
  passes: number;
  samples: number;
  interval: Interval;
}

/** A way a sample failed, and how many samples failed that way. */
export interface SampleFailure {
  count: number;
  /** One sample's message (the actual value varies between samples). */
  example: string;
}

/**
 * A scenario sampled N times against the configured model. `skipped`: it pins the local model's
 * injected faults; `not-run`: the run was stopped (token guard) before it got any sample.
 */
export interface SampledUnit {
  scenario: string;
  pipeline: Pipeline;
  status: 'passed' | 'failed' | 'skipped' | 'not-run';
  skipReason?: string;
  /** Turns per sample. */
  turns: number;
  /** Samples played to the end (fewer than requested when the run was stopped). */
  samples: number;
  /** Samples in which every expectation of every turn held (and no turn threw). */
  passes: number;
  /** passes / samples (0 with no samples). */
  passRate: number;
  /** Wilson 95 % interval of the pass rate. */
  interval: Interval;
  /** The pass rate this scenario needs, and where it came from. */
  threshold: number;
  thresholdSource: 'scenario' | 'flag';
  expectations: ExpectationTally[];
  /** Turns routed to AWF over all samples, and how many of them the model answered validly at once. */
  awfTurns: number;
  validFirstTry: number;
  retries: number;
  fallbacks: number;
  fallbackReasons: Partial<Record<FallbackReason, number>>;
  /** Samples in which a turn threw (e.g. the legacy model's answer was unreadable). */
  thrown: number;
  /** Over every played turn: the player's wait, retries and fallbacks included. */
  latencyMs: { p50: number; p95: number } | undefined;
  /** Tokens the model(s) under test reported for this scenario's calls. */
  tokens: TokenUsage;
  /** Time spent playing this scenario's samples, summed. */
  durationMs: number;
  failures: SampleFailure[];
}

/** Why a sampled run stopped before playing every sample. */
export interface RunStop {
  reason: 'max-tokens-total';
  message: string;
}

/** The outcome of a sampled run (`--mode test --provider openai`). */
export interface SampledReport {
  runId: string;
  mode: 'test';
  fullRun: boolean;
  startedAt: string;
  durationMs: number;
  harnessVersion: string;
  contentHash: string;
  models: { awf: GoldenRunModel; legacy: GoldenRunModel };
  samplesRequested: number;
  passRate: number;
  concurrency: number;
  maxTokensTotal?: number;
  /** Tokens spent by the whole run, discarded samples included. */
  tokensSpent: TokenUsage;
  units: SampledUnit[];
  /** Set when the run was stopped early: its figures cover fewer samples than requested. */
  stopped?: RunStop;
  partial: boolean;
  /** 0 every sampled scenario met its pass rate, 1 one did not, 2 the run was stopped. */
  exitCode: 0 | 1 | 2;
}

export interface SampledOptions {
  dir: string;
  contentDir: string;
  scenarios: readonly string[];
  pipeline?: Pipeline;
  samples: number;
  /** The pass rate a scenario needs unless its file sets `passRate`. */
  passRate: number;
  /** Samples in flight at once. */
  concurrency: number;
  maxTokensTotal?: number;
  /** The model settings env (see modelSettingsEnv) every scenario plays against. */
  modelEnv: Readonly<Record<string, string>>;
  models: { awf: GoldenRunModel; legacy: GoldenRunModel };
  /** Each pipeline's max output tokens (AWF_MODEL_MAX_TOKENS, AWF_LEGACY_MODEL_MAX_TOKENS): the token guard's worst case. */
  maxOutputTokens: Record<Pipeline, number>;
  displayPath?: (file: string) => string;
  /** After every sample (`sampled` unset when it was not played), and when a scenario's samples are all done. */
  onProgress?: (event: { done: number; total: number; scenario: string; finished?: SampledUnit }) => void;
  /** Tests only: wrap every configured provider. */
  wrapProvider?: (provider: ModelProvider) => ModelProvider;
  clock?: () => Date;
}

interface Sample {
  /** undefined: discarded (the token guard stopped it part-way), or never played. */
  outcome?: {
    passed: boolean;
    held: Map<string, boolean>;
    failures: ExpectationFailure[];
    thrown?: string;
    turns: Array<{
      pipeline: Pipeline;
      retried: boolean;
      fallback: boolean;
      fallbackReason?: FallbackReason;
      validFirstTry: boolean;
      latencyMs: number;
    }>;
  };
  tokens: TokenUsage;
  durationMs: number;
}

/**
 * Play every selected scenario `samples` times end to end against the configured model and judge it by
 * its pass rate: the share of samples in which every expectation held. Scenarios that pin the local
 * model's injected faults are skipped. Samples are played round-robin (sample 1 of every scenario,
 * then sample 2 …) so a run stopped by the token guard still has figures for every scenario.
 */
export async function runSampledSuite(options: SampledOptions): Promise<SampledReport> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const started = performance.now();
  const display = options.displayPath ?? ((file: string) => path.relative(process.cwd(), file) || '.');

  const loaded = loadScenarios(options.dir, options.scenarios, display);
  const content = loadContent(options.contentDir);
  for (const scenario of loaded) checkScenarioAgainstContent(scenario, content, display(scenario.file));
  const sampled = loaded.filter((entry) => !injectsLocalFaults(entry.scenario));
  if (sampled.length === 0) {
    throw new NoScenariosError(
      display(options.dir),
      'every selected scenario injects local-model faults (its `model` block), which a sampled run skips',
    );
  }

  const budget = createTokenBudget(options.maxTokensTotal);
  const players = new Map<string, ScenarioPlayer>();
  const samplesOf = new Map<string, Sample[]>();
  try {
    for (const entry of sampled) {
      const pipeline = options.pipeline ?? entry.scenario.pipeline;
      players.set(
        entry.scenario.name,
        await openScenarioPlayer(entry.scenario, pipeline, {
          contentDir: options.contentDir,
          modelEnv: options.modelEnv,
          ...(options.wrapProvider ? { wrapProvider: options.wrapProvider } : {}),
        }),
      );
      samplesOf.set(entry.scenario.name, []);
    }

    const items = Array.from({ length: options.samples }, (_, sample) =>
      sampled.map((entry) => ({ entry, sample })),
    ).flat();
    let done = 0;
    await mapWithConcurrency(items, options.concurrency, async ({ entry, sample }) => {
      const name = entry.scenario.name;
      const result = budget.isExhausted()
        ? { tokens: { in: 0, out: 0 }, durationMs: 0 }
        : await playSample(entry.scenario, players.get(name) as ScenarioPlayer, sample, options, budget);
      const list = samplesOf.get(name) as Sample[];
      list.push(result);
      done++;
      const finished = list.length === options.samples ? summarize(entry, list, options) : undefined;
      options.onProgress?.({ done, total: items.length, scenario: name, ...(finished ? { finished } : {}) });
    });
  } finally {
    for (const player of players.values()) await player.close();
  }

  const units = loaded.map((entry): SampledUnit => {
    const samples = samplesOf.get(entry.scenario.name);
    if (samples) return summarize(entry, samples, options);
    return {
      ...emptyUnit(entry, options),
      status: 'skipped',
      skipReason: 'pins the local model’s injected faults (its `model` block): verify covers it',
    };
  });
  const stopped: RunStop | undefined = budget.isExhausted()
    ? {
        reason: 'max-tokens-total',
        message: `the run would have spent more than --max-tokens-total ${options.maxTokensTotal}: the figures cover the samples played so far`,
      }
    : undefined;
  const isFullSelection = options.scenarios.length === 0;
  return {
    runId: randomUUID(),
    mode: 'test',
    fullRun: isFullSelection && options.pipeline === undefined,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    harnessVersion: HARNESS_VERSION,
    contentHash: content.hash,
    models: options.models,
    samplesRequested: options.samples,
    passRate: options.passRate,
    concurrency: options.concurrency,
    ...(options.maxTokensTotal !== undefined ? { maxTokensTotal: options.maxTokensTotal } : {}),
    tokensSpent: budget.spent(),
    units,
    ...(stopped ? { stopped } : {}),
    partial: stopped !== undefined,
    exitCode: stopped ? 2 : units.some((unit) => unit.status === 'failed') ? 1 : 0,
  };
}

/**
 * One sample: a new session played end to end. Its model calls carry a seed of their own (the first
 * sample keeps the scenario's), so an endpoint that honours `seed` gives independent samples while the
 * bundle the model reads stays byte for byte the scenario's.
 */
async function playSample(
  scenario: Scenario,
  player: ScenarioPlayer,
  sample: number,
  options: SampledOptions,
  budget: ReturnType<typeof createTokenBudget>,
): Promise<Sample> {
  const tokens = { in: 0, out: 0 };
  let isStoppedByBudget = false;
  const wrap: ProviderWrap = (provider, pipeline) => {
    // The local model (e.g. a local legacy fallback) costs nothing and is deterministic.
    if (provider.name === 'local') return provider;
    const guarded = budget.guard(provider, options.maxOutputTokens[pipeline]);
    return {
      name: provider.name,
      async complete(request) {
        const seed = sample === 0 ? request.seed : deriveSeed(request.seed, 'sample', sample);
        try {
          const response = await guarded.complete({ ...request, seed });
          tokens.in += response.tokens.in;
          tokens.out += response.tokens.out;
          return response;
        } catch (error) {
          if (error instanceof TokenBudgetExhaustedError) isStoppedByBudget = true;
          throw error;
        }
      },
    };
  };

  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  let turns: readonly PlayedTurn[];
  let thrown: ScenarioPlayError | Error | undefined;
  try {
    turns = (await player.play(wrap)).turns;
  } catch (error) {
    thrown = error instanceof Error ? error : new Error(String(error));
    turns = error instanceof ScenarioPlayError ? error.playedBefore : [];
  }
  if (isStoppedByBudget) return { tokens, durationMs: durationMs() };
  const failures = turns.flatMap(({ turn, result }) =>
    checkExpectations(scenario.name, turn, scenario.turns[turn - 1]?.expect, result),
  );
  const failed = new Set(failures.map((failure) => `${failure.turn}:${failure.expectation}`));
  // A turn that threw, and every turn after it, did not show what it was expected to.
  const reached = new Set(turns.map(({ turn }) => turn));
  const expectationKeys = scenario.turns.flatMap((turn, i) =>
    Object.keys(turn.expect ?? {}).map((expectation) => [i + 1, `${i + 1}:${expectation}`] as const),
  );
  return {
    outcome: {
      passed: failures.length === 0 && thrown === undefined,
      held: new Map(expectationKeys.map(([turn, key]) => [key, reached.has(turn) && !failed.has(key)])),
      failures,
      ...(thrown ? { thrown: `${scenario.name}: ${thrown.message}` } : {}),
      turns: turns.map(({ result }) => ({
        pipeline: result.pipeline,
        retried: result.retried,
        fallback: result.fallback,
        ...(result.fallbackReason ? { fallbackReason: result.fallbackReason } : {}),
        validFirstTry: isValidFirstTry(result),
        latencyMs: result.latencyMs,
      })),
    },
    tokens,
    durationMs: durationMs(),
  };
}

function emptyUnit(entry: LoadedScenario, options: SampledOptions): Omit<SampledUnit, 'status'> {
  const { scenario } = entry;
  return {
    scenario: scenario.name,
    pipeline: options.pipeline ?? scenario.pipeline,
    turns: scenario.turns.length,
    samples: 0,
    passes: 0,
    passRate: 0,
    interval: wilsonInterval(0, 0),
    threshold: scenario.passRate ?? options.passRate,
    thresholdSource: scenario.passRate === undefined ? 'flag' : 'scenario',
    expectations: [],
    awfTurns: 0,
    validFirstTry: 0,
    retries: 0,
    fallbacks: 0,
    fallbackReasons: {},
    thrown: 0,
    latencyMs: undefined,
    tokens: { in: 0, out: 0 },
    durationMs: 0,
    failures: [],
  };
}

/** A scenario's samples as figures, and its verdict: passed when its pass rate meets its threshold. */
function summarize(entry: LoadedScenario, samples: readonly Sample[], options: SampledOptions): SampledUnit {
  const unit = emptyUnit(entry, options);
  const outcomes = samples.flatMap((sample) => (sample.outcome ? [sample.outcome] : []));
  const passes = outcomes.filter((outcome) => outcome.passed).length;
  const latencies: number[] = [];
  const fallbackReasons: Partial<Record<FallbackReason, number>> = {};
  const failureGroups = new Map<string, SampleFailure>();
  const countFailure = (key: string, example: string): void => {
    const group = failureGroups.get(key);
    if (group) group.count++;
    else failureGroups.set(key, { count: 1, example });
  };
  let awfTurns = 0;
  let validFirstTry = 0;
  let retries = 0;
  let fallbacks = 0;
  let thrown = 0;
  for (const outcome of outcomes) {
    for (const turn of outcome.turns) {
      latencies.push(turn.latencyMs);
      if (turn.pipeline === 'awf' || turn.fallback) awfTurns++;
      if (turn.validFirstTry) validFirstTry++;
      if (turn.retried) retries++;
      if (turn.fallback) {
        fallbacks++;
        if (turn.fallbackReason)
          fallbackReasons[turn.fallbackReason] = (fallbackReasons[turn.fallbackReason] ?? 0) + 1;
      }
    }
    if (outcome.thrown !== undefined) {
      thrown++;
      countFailure(`thrown:${outcome.thrown}`, outcome.thrown);
    }
    // One count per sample and failing expectation, whatever the actual value was.
    const seen = new Set<string>();
    for (const failure of outcome.failures) {
      const key = `${failure.turn}:${failure.expectation}:${failure.expected}`;
      if (seen.has(key)) continue;
      seen.add(key);
      countFailure(key, failure.message);
    }
  }
  const expectations: ExpectationTally[] = entry.scenario.turns.flatMap((turn, i) =>
    (Object.keys(turn.expect ?? {}) as Array<keyof Expectations>).map((expectation) => {
      const held = outcomes.filter((outcome) => outcome.held.get(`${i + 1}:${expectation}`) === true).length;
      return {
        turn: i + 1,
        expectation,
        passes: held,
        samples: outcomes.length,
        interval: wilsonInterval(held, outcomes.length),
      };
    }),
  );
  const p50 = percentile(latencies, 0.5);
  const p95 = percentile(latencies, 0.95);
  const status: SampledUnit['status'] =
    outcomes.length === 0
      ? 'not-run'
      : meetsPassRate(passes, outcomes.length, unit.threshold)
        ? 'passed'
        : 'failed';
  return {
    ...unit,
    status,
    samples: outcomes.length,
    passes,
    passRate: outcomes.length === 0 ? 0 : passes / outcomes.length,
    interval: wilsonInterval(passes, outcomes.length),
    expectations,
    awfTurns,
    validFirstTry,
    retries,
    fallbacks,
    fallbackReasons,
    thrown,
    latencyMs: p50 !== undefined && p95 !== undefined ? { p50, p95 } : undefined,
    tokens: samples.reduce(
      (sum, sample) => ({ in: sum.in + sample.tokens.in, out: sum.out + sample.tokens.out }),
      { in: 0, out: 0 },
    ),
    durationMs: samples.reduce((sum, sample) => sum + sample.durationMs, 0),
    failures: [...failureGroups.values()].sort((a, b) => b.count - a.count),
  };
}
