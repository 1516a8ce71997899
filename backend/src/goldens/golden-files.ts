import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Pipeline } from '../game/game-types.js';
import { PIPELINES } from './scenario.js';

const GOLDEN_SUFFIX = '.golden.json';
const RECEIVED_SUFFIX = '.received.json';

/**
 * A scenario's golden file at its own pipeline is `<name>.golden.json`; recorded on the other pipeline
 * (`--pipeline`), `<name>.<pipeline>.golden.json`. Named after the scenario, never after run order.
 */
export function goldenFileName(scenario: string, pipeline: Pipeline, ownPipeline: Pipeline): string {
  return pipeline === ownPipeline ? `${scenario}${GOLDEN_SUFFIX}` : `${scenario}.${pipeline}${GOLDEN_SUFFIX}`;
}

/** The actual output a failed verify leaves beside the golden (ignored by git). */
export function receivedFileFor(goldenFile: string): string {
  return `${goldenFile.slice(0, -GOLDEN_SUFFIX.length)}${RECEIVED_SUFFIX}`;
}

/** A golden file found on disk, read back into scenario and pipeline (pipeline only for variants). */
export interface GoldenOnDisk {
  file: string;
  scenario: string;
  variant?: Pipeline;
}

/** Every `*.golden.json` in a directory, parsed by name; names that parse to nothing have no scenario. */
export function listGoldenFiles(dir: string): GoldenOnDisk[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.endsWith(GOLDEN_SUFFIX))
    .sort()
    .map((entry): GoldenOnDisk => {
      const base = entry.slice(0, -GOLDEN_SUFFIX.length);
      const dot = base.lastIndexOf('.');
      const suffix = dot < 0 ? undefined : base.slice(dot + 1);
      const file = path.join(dir, entry);
      if (suffix !== undefined && (PIPELINES as readonly string[]).includes(suffix)) {
        return { file, scenario: base.slice(0, dot), variant: suffix as Pipeline };
      }
      return { file, scenario: base };
    });
}
