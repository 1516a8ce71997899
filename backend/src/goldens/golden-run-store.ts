import type { Pipeline } from '../game/game-types.js';

/** record writes golden files, verify compares against them (and checks expectations), test checks expectations. */
export type GoldenMode = 'record' | 'verify' | 'test';
/** A scenario's outcome: a writing run says written or unchanged, never passed. */
export type UnitStatus = 'passed' | 'failed' | 'written' | 'unchanged';

/** One scenario's result within a stored run. */
export interface GoldenScenarioResult {
  scenario: string;
  pipeline: Pipeline;
  status: UnitStatus;
  turns: number;
  durationMs: number;
  /** The first failure message, when the scenario failed. */
  failure?: string;
}

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
  results: GoldenScenarioResult[];
}

export interface ListGoldenRunsOptions {
  /** Newest first, at most this many runs (default 20). */
  limit?: number;
  mode?: GoldenMode;
  fullRunOnly?: boolean;
}

/** Where golden run results live, so a dashboard or the decommission check can read them as data. */
export interface GoldenRunStore {
  /** Store a run and all its scenario results at once; a run id is stored once. */
  saveRun(run: GoldenRun): Promise<void>;
  /** Runs newest first, each with its results in scenario order. */
  listRuns(options?: ListGoldenRunsOptions): Promise<GoldenRun[]>;
}
