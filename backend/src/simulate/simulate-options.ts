import { z } from 'zod';
import type { Flags } from '../cli/cli-runner.js';
import { seedFlag, turnsPerSecondFlag } from '../cli/quantity-flags.js';
import { SCENARIO_NAMES, SCENARIOS } from './scenarios.js';

/** What one simulation run does, validated. */
export interface SimulateOptions {
  scenario: (typeof SCENARIO_NAMES)[number];
  /** Simulated days; the scenario's default when not given. */
  days?: number | undefined;
  /** Turns per second across both pipelines; the scenario's default when not given. */
  rate?: number | undefined;
  seed: number;
  json: boolean;
  /** Where the SVG goes; a file under the OS temp folder when not given. */
  plot?: string | undefined;
}

const scenarioDefaults = SCENARIO_NAMES.map((name) => {
  const { defaults, summary } = SCENARIOS[name];
  return `  ${name.padEnd(17)} ${summary} (default ${defaults.ratePerSecond}/s for ${defaults.days} d)`;
}).join('\n');

export const SIMULATE_HELP = `Usage: npm run simulate -- --scenario NAME [--days D] [--rate R/s] [--seed N] [--plot PATH] [--json]

Runs the real plan controller, SLO engine, feedback counting and store (a temporary SQLite file,
removed at the end) on a fake clock, feeding synthetic turn outcomes (seeded, faults scheduled over
time) into the same aggregates real turns feed: each simulated second the turns that arrive are routed
by the real router's current percentage and recorded in one batch per pipeline. The SLO evaluation,
the plan controller and the rollout polling run at their configured intervals of simulated time, and
a second operator approves when the plan waits for approval. Prints the timeline of decisions (holds
summarised), writes an SVG plot (percent over time, AWF fallback rate with its 95 % bounds and the SLO
threshold, rollbacks marked) and prints its path. Progress goes to stderr.

Scenarios:
${scenarioDefaults}

Options:
  --scenario NAME   one of: ${SCENARIO_NAMES.join(', ')} (required)
  --days D          simulated days, e.g. 28 or 0.5 (above 0, at most 365; default: the scenario's)
  --rate R/s        turns per second over both pipelines, e.g. 20/s or 1 (above 0, at most 1000)
  --seed N          seeds the synthetic outcomes (0-4294967295; default 1); same seed, same run
  --plot PATH       where to write the SVG (default: <temp>/awf-simulate/<scenario>-seed<N>.svg)
  --json            print one JSON object {scenario, seed, decisions, summary, plot} instead of the timeline
  --help, -h        this text

The SLO thresholds and monitoring settings come from SLO_* in the environment and the controller's
interval from AWF_PLAN_INTERVAL_MS, as the server's do; nothing else of the environment is read (the
store is always a fresh temporary SQLite file). The controller reads the whole stage at each evaluation,
so a run with week-long bakes at the default 1-minute cadence takes tens of minutes; an hourly cadence
(SLO_EVALUATION_WINDOW=1h SLO_EVALUATION_INTERVAL_SECONDS=3600 AWF_PLAN_INTERVAL_MS=3600000) about one.

Exit codes: 0 the simulation ran; 2 a flag is unknown, repeated or malformed; 3 it could not run.`;

export const SIMULATE_FLAGS: Flags = {
  scenario: { type: 'string' },
  days: { type: 'string' },
  rate: { type: 'string' },
  seed: { type: 'string' },
  plot: { type: 'string' },
  json: { type: 'boolean' },
};

const days = z.string().transform((text, ctx) => {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value > 0 && value <= 365)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a number of days above 0 and at most 365, e.g. 28 or 0.5 (got ${JSON.stringify(text)})`,
    });
    return z.NEVER;
  }
  return value;
});

export const simulateArgsSchema = z
  .object({
    scenario: z.enum(SCENARIO_NAMES, {
      error: (issue) =>
        issue.input === undefined
          ? `is required: one of ${SCENARIO_NAMES.join(', ')}`
          : `must be one of ${SCENARIO_NAMES.join(', ')} (got ${JSON.stringify(issue.input)})`,
    }),
    days: days.optional(),
    rate: turnsPerSecondFlag({ max: 1000, example: '20/s' }).optional(),
    seed: seedFlag({ maxDigits: 10 }).optional(),
    plot: z.string().min(1, 'must be a file path').optional(),
    json: z.boolean().optional(),
  })
  .transform(
    (args): SimulateOptions => ({
      scenario: args.scenario,
      days: args.days,
      rate: args.rate,
      seed: args.seed ?? 1,
      json: args.json ?? false,
      plot: args.plot,
    }),
  );
