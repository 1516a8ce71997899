import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadContent } from '../content/content-loader.js';
import type { Pipeline } from '../game/game-types.js';
import type { ModelProvider } from '../model/model-provider.js';
import { checkExpectations, type ExpectationFailure } from './expectations.js';
import { goldenDocumentOf, HARNESS_VERSION, sectionsOf, serializeGolden } from './golden-document.js';
import { GoldenWriteRefusedError } from './golden-errors.js';
import { goldenFileName, listGoldenFiles, receivedFileFor } from './golden-files.js';
import type { GoldenMode, UnitStatus } from './golden-run-store.js';
import { checkScenarioAgainstContent, type LoadedScenario, loadScenarios } from './scenario.js';
import { playScenario } from './scenario-player.js';
import { unifiedDiff } from './unified-diff.js';

export type { GoldenMode, UnitStatus };

/** One scenario played on one pipeline: the runner's unit of work. */
export interface UnitResult {
  scenario: string;
  pipeline: Pipeline;
  /** Played on the other pipeline than the scenario's own (`--pipeline`, or a `<name>.<pipeline>.golden.json`). */
  variant: boolean;
  /** The golden file, as the user sees its path. */
  goldenFile: string;
  status: UnitStatus;
  turns: number;
  durationMs: number;
  /** Every reason the unit failed, one line each (expectations, missing golden, a thrown turn). */
  failures: string[];
  expectationFailures: ExpectationFailure[];
  /** Unified diffs of every section that differs from the golden (verify). */
  diff?: string;
  /** Where the actual output was left (verify, on a difference). */
  receivedFile?: string;
  /** Recording again would make this unit pass: its output differs or its golden is missing. */
  acceptable: boolean;
}

/** The outcome of one run of the runner. */
export interface SuiteReport {
  runId: string;
  mode: GoldenMode;
  /** Every scenario at its own pipeline (no --scenario, no --pipeline): what "golden tests passing" reads. */
  fullRun: boolean;
  startedAt: string;
  durationMs: number;
  harnessVersion: string;
  contentHash: string;
  units: UnitResult[];
  /** Golden files no scenario owns (full runs only). */
  obsolete: string[];
  /** Obsolete golden files deleted by --prune. */
  pruned: string[];
  exitCode: 0 | 1;
}

export interface SuiteOptions {
  mode: GoldenMode;
  /** The directory with the scenarios; goldens live beside them. */
  dir: string;
  contentDir: string;
  /** Scenario names to run; empty runs all of them. */
  scenarios: readonly string[];
  /** Play every selected scenario on this pipeline instead of its own. */
  pipeline?: Pipeline;
  /** How many scenarios play at once. */
  jobs: number;
  prune: boolean;
  /** CI=true: golden files are never written or deleted. */
  ci: boolean;
  /** Diff whole sections instead of 3 lines of context. */
  expand: boolean;
  /** How file paths appear in messages (default: relative to the working directory). */
  displayPath?: (file: string) => string;
  /** Called when a scenario starts (`finished` unset) and when it ends. */
  onProgress?: (event: { done: number; total: number; scenario: string; finished?: UnitResult }) => void;
  /** Tests only: wrap the local model provider of every scenario. */
  wrapProvider?: (provider: ModelProvider) => ModelProvider;
  clock?: () => Date;
}

interface Unit {
  loaded: LoadedScenario;
  pipeline: Pipeline;
  goldenFile: string;
}

const CONTEXT_LINES = 3;

/**
 * Run golden scenarios: record writes their golden files, verify compares against them (and checks
 * expectations), test checks expectations only. Throws (before playing anything) on usage and input
 * errors: a CI write, an unknown or malformed scenario, broken content.
 */
export async function runGoldenSuite(options: SuiteOptions): Promise<SuiteReport> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const started = performance.now();
  const display = options.displayPath ?? ((file: string) => path.relative(process.cwd(), file) || '.');
  if (options.ci && options.mode === 'record') throw new GoldenWriteRefusedError('record golden files');
  if (options.ci && options.prune) throw new GoldenWriteRefusedError('prune golden files');

  const loaded = loadScenarios(options.dir, options.scenarios, display);
  const content = loadContent(options.contentDir);
  for (const scenario of loaded) checkScenarioAgainstContent(scenario, content, display(scenario.file));

  const onDisk = listGoldenFiles(options.dir);
  const units: Unit[] = loaded.flatMap((entry): Unit[] => {
    const own = entry.scenario.pipeline;
    const pipelines: Pipeline[] = options.pipeline
      ? [options.pipeline]
      : [
          own,
          ...onDisk
            .filter(
              (golden) => golden.scenario === entry.scenario.name && golden.variant && golden.variant !== own,
            )
            .map((golden) => golden.variant as Pipeline),
        ];
    return pipelines.map((pipeline) => ({
      loaded: entry,
      pipeline,
      goldenFile: path.join(options.dir, goldenFileName(entry.scenario.name, pipeline, own)),
    }));
  });

  let done = 0;
  const results = await mapWithConcurrency(units, options.jobs, async (unit) => {
    const scenario = unit.loaded.scenario.name;
    options.onProgress?.({ done, total: units.length, scenario });
    const result = await runUnit(unit, options, display);
    done++;
    options.onProgress?.({ done, total: units.length, scenario, finished: result });
    return result;
  });

  const isFullSelection = options.scenarios.length === 0;
  const obsolete = isFullSelection ? obsoleteGoldens(onDisk, loaded) : [];
  const pruned: string[] = [];
  if (options.prune) {
    for (const file of obsolete) {
      rmSync(file, { force: true });
      pruned.push(display(file));
    }
  }
  return {
    runId: randomUUID(),
    mode: options.mode,
    fullRun: isFullSelection && options.pipeline === undefined,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    harnessVersion: HARNESS_VERSION,
    contentHash: content.hash,
    units: results,
    obsolete: obsolete.map(display),
    pruned,
    exitCode: results.every((unit) => unit.status !== 'failed') ? 0 : 1,
  };
}

async function runUnit(
  unit: Unit,
  options: SuiteOptions,
  display: (file: string) => string,
): Promise<UnitResult> {
  const { scenario } = unit.loaded;
  const started = performance.now();
  const base = {
    scenario: scenario.name,
    pipeline: unit.pipeline,
    variant: unit.pipeline !== scenario.pipeline,
    goldenFile: display(unit.goldenFile),
    turns: scenario.turns.length,
  };
  const finish = (rest: Omit<UnitResult, keyof typeof base | 'durationMs'>): UnitResult => ({
    ...base,
    durationMs: Math.round(performance.now() - started),
    ...rest,
  });

  let actual: string;
  let expectationFailures: ExpectationFailure[];
  try {
    const played = await playScenario(scenario, unit.pipeline, {
      contentDir: options.contentDir,
      ...(options.wrapProvider ? { wrapProvider: options.wrapProvider } : {}),
    });
    actual = serializeGolden(goldenDocumentOf(scenario, unit.pipeline, played));
    expectationFailures = scenario.turns.flatMap((turn, i) => {
      const result = played.turns[i]?.result;
      return result ? checkExpectations(scenario.name, i + 1, turn.expect, result) : [];
    });
  } catch (error) {
    const message = `${scenario.name}: ${error instanceof Error ? error.message : String(error)}`;
    return finish({ status: 'failed', failures: [message], expectationFailures: [], acceptable: false });
  }
  const failures = expectationFailures.map((failure) => failure.message);
  const receivedFile = receivedFileFor(unit.goldenFile);

  if (options.mode === 'test') {
    return finish({
      status: failures.length > 0 ? 'failed' : 'passed',
      failures,
      expectationFailures,
      acceptable: false,
    });
  }

  const golden = readIfExists(unit.goldenFile);
  if (options.mode === 'record') {
    if (failures.length > 0) {
      return finish({
        status: 'failed',
        failures: [...failures, `${scenario.name}: not written: its expectations do not hold`],
        expectationFailures,
        acceptable: false,
      });
    }
    rmSync(receivedFile, { force: true });
    if (golden === actual)
      return finish({ status: 'unchanged', failures, expectationFailures, acceptable: false });
    writeFileSync(unit.goldenFile, actual);
    return finish({ status: 'written', failures, expectationFailures, acceptable: false });
  }

  // verify
  if (golden === actual) {
    rmSync(receivedFile, { force: true });
    return finish({
      status: failures.length > 0 ? 'failed' : 'passed',
      failures,
      expectationFailures,
      acceptable: false,
    });
  }
  writeFileSync(receivedFile, actual);
  const acceptable = failures.length === 0;
  if (golden === undefined) {
    return finish({
      status: 'failed',
      failures: [...failures, `${scenario.name}: no golden file ${display(unit.goldenFile)}`],
      expectationFailures,
      receivedFile: display(receivedFile),
      acceptable,
    });
  }
  return finish({
    status: 'failed',
    failures: [...failures, `${scenario.name}: output differs from ${display(unit.goldenFile)}`],
    expectationFailures,
    diff: diffGolden(golden, actual, scenario.name, unit, options.expand, display),
    receivedFile: display(receivedFile),
    acceptable,
  });
}

/** Per-section unified diffs (meta, opening, each turn), or one whole-file diff for an unreadable golden. */
function diffGolden(
  golden: string,
  actual: string,
  scenario: string,
  unit: Unit,
  expand: boolean,
  display: (file: string) => string,
): string {
  const context = expand ? Number.POSITIVE_INFINITY : CONTEXT_LINES;
  const tag = unit.pipeline === unit.loaded.scenario.pipeline ? '' : ` [${unit.pipeline}]`;
  let goldenDoc: unknown;
  try {
    goldenDoc = JSON.parse(golden);
  } catch {
    goldenDoc = undefined;
  }
  const wholeFile = (note: string): string =>
    `${note}\n${unifiedDiff(golden.split('\n'), actual.split('\n'), {
      oldLabel: `golden ${display(unit.goldenFile)}`,
      newLabel: `actual ${display(receivedFileFor(unit.goldenFile))}`,
      context,
    })}`;
  if (goldenDoc === undefined) return wholeFile(`the golden file is not valid JSON; the whole file differs:`);

  const goldenSections = sectionsOf(goldenDoc);
  const actualSections = sectionsOf(JSON.parse(actual));
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(goldenSections.length, actualSections.length); i++) {
    const before = goldenSections[i];
    const after = actualSections[i];
    const id = (after ?? before)?.id ?? '';
    const input = after?.input ?? before?.input;
    const label = `${scenario}${tag} ${id}${input === undefined ? '' : ` ${JSON.stringify(input)}`}`;
    const diff = unifiedDiff(before?.lines ?? [], after?.lines ?? [], {
      oldLabel: `golden ${label}`,
      newLabel: `actual ${label}`,
      context,
    });
    if (diff !== '') diffs.push(diff);
  }
  if (diffs.length === 0)
    return wholeFile('the golden file has the same content in a different layout (not canonical):');
  return diffs.join('');
}

/** Goldens whose scenario is gone, or variants named after the scenario's own pipeline. */
function obsoleteGoldens(
  onDisk: ReturnType<typeof listGoldenFiles>,
  loaded: readonly LoadedScenario[],
): string[] {
  const pipelineOf = new Map(loaded.map((entry) => [entry.scenario.name, entry.scenario.pipeline]));
  return onDisk
    .filter((golden) => {
      const own = pipelineOf.get(golden.scenario);
      return own === undefined || golden.variant === own;
    })
    .map((golden) => golden.file);
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Map with at most `limit` calls in flight; results in input order, whatever order they finish in. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
