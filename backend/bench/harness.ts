/**
 * The bench's one rule: every figure is a ratio to a baseline measured in the same run, the cases
 * interleaved round by round (so a slow moment of the machine hits every case alike), several rounds,
 * min and median of each ratio printed.
 */

/** One line of `npm run bench --json`. */
export interface BenchResult {
  name: string;
  /** What the project's side measured (its unit in `unit`). */
  project: number;
  /** What the baseline measured, same unit. */
  baseline: number;
  /** baseline ÷ project for costs (× cheaper / faster), project ÷ baseline for throughputs: above 1 favours the project. */
  ratio: number;
  /** The ratio's median over the rounds; `ratio` above is that median, `ratioMin` the worst round. */
  ratioMin?: number;
  unit: string;
  /** The goal for `ratio` (met when ratio ≥ goal, or ≤ goal for `goalIsMax`). */
  goal?: number;
  goalIsMax?: boolean;
  met?: boolean;
  note?: string;
}

/** A case measured once per round: returns its figure for that round (e.g. ns per op, requests/s). */
export type RoundCase = () => Promise<number> | number;

/**
 * Runs every case once per round, rotating which goes first, and returns each case's figures in round
 * order.
 */
export async function interleave(
  rounds: number,
  cases: Record<string, RoundCase>,
): Promise<Record<string, number[]>> {
  const names = Object.keys(cases);
  const figures: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as string;
      (figures[name] as number[]).push(await (cases[name] as RoundCase)());
    }
  }
  return figures;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * A result from per-round figures of the project and its baseline. `better`: 'lower' for costs
 * (ratio = baseline / project), 'higher' for throughputs (ratio = project / baseline). Ratios are
 * taken round by round, so both sides of a ratio ran in the same round.
 */
export function ratioResult(
  name: string,
  project: readonly number[],
  baseline: readonly number[],
  options: { unit: string; better: 'lower' | 'higher'; goal?: number; goalIsMax?: boolean; note?: string },
): BenchResult {
  const ratios = project.map((p, i) => {
    const b = baseline[i] as number;
    return options.better === 'lower' ? b / p : p / b;
  });
  const ratio = median(ratios);
  const ratioMin = options.goalIsMax ? Math.max(...ratios) : Math.min(...ratios);
  return {
    name,
    project: median(project),
    baseline: median(baseline),
    ratio,
    ratioMin,
    unit: options.unit,
    ...(options.goal !== undefined
      ? {
          goal: options.goal,
          ...(options.goalIsMax ? { goalIsMax: true } : {}),
          met: options.goalIsMax ? ratio <= options.goal : ratio >= options.goal,
        }
      : {}),
    ...(options.note ? { note: options.note } : {}),
  };
}

/** Nanoseconds per call of `body` over `iterations` calls (one timing, after the caller's warm-up). */
export function nsPerCall(iterations: number, body: (i: number) => unknown): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (body(i)) sink++;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (sink === -1) console.log(sink); // keeps the results observable
  return elapsed / iterations;
}

/** Three significant digits below 1, so a ratio just under a goal of 1/3 does not print as 0.33x. */
function ratioText(ratio: number): string {
  return `${ratio.toFixed(ratio >= 10 ? 1 : ratio >= 1 ? 2 : 3)}x`;
}

/** The short table: one row per result, ratio median and worst round, goal and verdict. */
export function formatTable(results: readonly BenchResult[]): string {
  const rows = [
    ['benchmark', 'project', 'baseline', 'unit', 'ratio (median)', 'worst round', 'goal', ''],
    ...results.map((r) => [
      r.name,
      figure(r.project),
      figure(r.baseline),
      r.unit,
      ratioText(r.ratio),
      r.ratioMin === undefined ? '' : ratioText(r.ratioMin),
      r.goal === undefined ? '' : `${r.goalIsMax ? '<=' : '>='} ${ratioText(r.goal)}`,
      r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
    ]),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function figure(value: number): string {
  if (value >= 1000) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(3);
}
