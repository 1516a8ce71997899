import type { Pipeline } from '../game/game-types.js';

/** record writes golden files, verify compares against them (and checks expectations), test checks expectations. */
export type GoldenMode = 'record' | 'verify' | 'test';
/** A scenario's outcome: a writing run says written or unchanged, never passed. */
export type UnitStatus = 'passed' | 'failed' | 'written' | 'unchanged';

/** What a sampled scenario measured (sampled runs against a real model only). */
export interface GoldenSampling {
  /** Samples this scenario got (fewer than requested in a partial run). */
  samples: number;
  /** Samples in which every expectation of every turn held. */
  passes: number;
  /** The pass rate it needed (the scenario's `passRate`, else --pass-rate). */
  passRateThreshold: number;
  tokensIn: number;
  tokensOut: number;
}

/** One scenario's result within a stored run. */
export interface GoldenScenarioResult {
  scenario: string;
  pipeline: Pipeline;
  status: UnitStatus;
  turns: number;
  durationMs: number;
  /** The first failure message, when the scenario failed. */
  failure?: string;
  /** The unified diff against the golden, when a verify found the output differs (the dashboard shows it). */
  diff?: string;
  sampling?: GoldenSampling;
}

/** A model that answered a run: `local` (the deterministic narrator) or `openai` with the model's name. */
export interface GoldenRunModel {
  provider: string;
  name: string;
}

/** The model of a local run: what every run stored before migration 011 reads back as. */
export const LOCAL_RUN_MODEL: GoldenRunModel = Object.freeze({ provider: 'local', name: 'local' });

/** One run of the golden runner, as stored. */
export interface GoldenRun {
  runId: string;
  mode: GoldenMode;
  /** Every scenario at its own pipeline: only such verify runs say whether "golden tests pass". */
  fullRun: boolean;
  /** ISO 8601. */
  startedAt: string;
  contentHash: string;
  harnessVersion: string;
  /** The code the run tested (package version + git commit, shared/code-version.ts); absent on runs stored before migration 015. */
  codeVersion?: string;
  /** Who started the run: `cli` (the runner, by default) or e.g. `plan-controller`; absent on older runs. */
  source?: string;
  /** Who answered the AWF and the legacy calls: a local regression run or a real-model acceptance run. */
  models: { awf: GoldenRunModel; legacy: GoldenRunModel };
  /** Samples per scenario asked for: 1 except in sampled runs. */
  samplesRequested: number;
  /** Stopped early (--max-tokens-total): the figures cover fewer samples than asked for. */
  partial: boolean;
  results: GoldenScenarioResult[];
}

export interface ListGoldenRunsOptions {
  /** Newest first, at most this many runs (default 20). */
  limit?: number;
  mode?: GoldenMode;
  fullRunOnly?: boolean;
  /** Only runs whose AWF calls this provider answered (`local`: regression runs; `openai`: acceptance runs). */
  provider?: string;
}

/** Where golden run results live, so a dashboard or the decommission check can read them as data. */
export interface GoldenRunStore {
  /** Store a run and all its scenario results at once; a run id is stored once. */
  saveRun(run: GoldenRun): Promise<void>;
  /** Runs newest first, each with its results in scenario order. */
  listRuns(options?: ListGoldenRunsOptions): Promise<GoldenRun[]>;
}
