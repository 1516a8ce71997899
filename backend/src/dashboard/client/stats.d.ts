/** Types of stats.js for the tests that import it (the browser loads the .js as is). */
export interface SampleRatioCheck {
  n: number;
  awf: number;
  observedPct: number | null;
  ci95: { low: number; high: number } | null;
  expectedPct: number;
  p: number | null;
  state: 'ok' | 'mismatch' | 'insufficient';
}
export function wilson95(successes: number, n: number): { low: number; high: number } | null;
export function sampleRatioCheck(awf: number, n: number, percent: number): SampleRatioCheck;
export const MIN_USERS: number;
export const SRM_P: number;
