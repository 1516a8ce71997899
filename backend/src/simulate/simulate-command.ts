import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CliCommand, OutputStream } from '../cli/cli-runner.js';
import { renderPlotSvg } from './plot-svg.js';
import { SCENARIOS } from './scenarios.js';
import { type OpenSimulatedProcess, simulationServicesOf } from './sim-wiring.js';
import {
  SIMULATE_FLAGS,
  SIMULATE_HELP,
  type SimulateOptions,
  simulateArgsSchema,
} from './simulate-options.js';
import { formatDuration, runSimulation, type SimProgress } from './simulation.js';
import { buildReport, formatTimeline, type SimulationReport } from './timeline.js';

/** Every run starts at the same simulated instant (a Monday), so a seed repeats to the millisecond. */
export const SIMULATION_START = Date.parse('2026-01-05T00:00:00.000Z');

const DAY_MS = 86_400_000;

/** What the simulator needs wired: a way to open the real services on a store and a clock it gives. */
export interface SimulateDeps {
  openProcess: OpenSimulatedProcess;
  /** Runs the full golden suite into the store at `sqlitePath`; resolves with its summary line. */
  runGoldens(sqlitePath: string): Promise<string>;
}

/**
 * `npm run simulate`: one scenario on the fake clock over a fresh temporary SQLite store, then the
 * timeline (or `--json`) on stdout and the plot written to a file.
 */
export const simulateCommand: CliCommand<typeof simulateArgsSchema, SimulateDeps> = {
  help: SIMULATE_HELP,
  flags: SIMULATE_FLAGS,
  schema: simulateArgsSchema,
  async run(args, cli) {
    const progress = progressLine(cli.stderr);
    const report = await simulate(args, cli.deps, cli.env, progress.update, cli.note);
    progress.done();
    if (args.json) cli.out(JSON.stringify(report.report));
    else for (const line of report.lines) cli.out(line);
    return 0;
  },
};

/** Runs one simulation end to end: store, services, run, plot; the store is removed whatever happens. */
export async function simulate(
  args: SimulateOptions,
  deps: SimulateDeps,
  env: Readonly<Record<string, string | undefined>>,
  onProgress?: (progress: SimProgress) => void,
  note: (line: string) => void = () => {},
): Promise<{ report: SimulationReport; lines: string[] }> {
  const scenario = SCENARIOS[args.scenario];
  const durationMs = Math.round((args.days ?? scenario.defaults.days) * DAY_MS);
  const ratePerSecond = args.rate ?? scenario.defaults.ratePerSecond;
  const storeDir = mkdtempSync(path.join(tmpdir(), 'awf-simulate-store-'));
  let nowMs = SIMULATION_START;
  const clock = () => new Date(nowMs);
  let run: Awaited<ReturnType<typeof runSimulation>>;
  try {
    const sqlitePath = path.join(storeDir, 'simulation.db');
    // Before the plan starts, as an operator would: the plan's goldens gate judges this run.
    const goldens = await deps.runGoldens(sqlitePath);
    const process = await deps.openProcess({
      sqlitePath,
      clock,
      env: simulatedEnvironment(env),
      // Alerts are in the timeline; a failure of the SLO engine itself is worth a line on stderr.
      log: { info: () => {}, warn: () => {}, error: (line) => note(`SLO engine: ${line}`) },
    });
    try {
      run = await runSimulation(simulationServicesOf(process), {
        scenario,
        seed: args.seed,
        ratePerSecond,
        durationMs,
        startMs: SIMULATION_START,
        setClock: (ms) => {
          nowMs = ms;
        },
        ...(onProgress ? { onProgress } : {}),
        operatorEvents: [{ atMs: SIMULATION_START, what: `operator ran the golden suite: ${goldens}` }],
      });
    } finally {
      await process.close();
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
  const plot = path.resolve(
    args.plot ?? path.join(tmpdir(), 'awf-simulate', `${scenario.name}-seed${args.seed}.svg`),
  );
  mkdirSync(path.dirname(plot), { recursive: true });
  writeFileSync(plot, renderPlotSvg(run));
  const report = buildReport(run, plot);
  return { report, lines: formatTimeline(run, report) };
}

/**
 * Only the settings of what is simulated pass from the caller's environment — the SLO thresholds and
 * monitoring (SLO_*, no webhook) and the plan controller's interval (AWF_PLAN_INTERVAL_MS); the store
 * and everything else are the simulator's.
 */
export function simulatedEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name === 'SLO_ALERT_WEBHOOK_URL') continue;
    if (name.startsWith('SLO_') || name === 'AWF_PLAN_INTERVAL_MS') picked[name] = value;
  }
  return picked;
}

/** Progress on stderr: redrawn in place on a terminal, a line per tenth of the run otherwise. */
function progressLine(stream: OutputStream): { update(progress: SimProgress): void; done(): void } {
  let lastTenth = -1;
  let drawn = false;
  const line = (p: SimProgress) => {
    const fraction = p.durationMs === 0 ? 1 : p.elapsedMs / p.durationMs;
    const filled = Math.round(fraction * 30);
    return `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${formatDuration(p.elapsedMs) || '0s'} of ${formatDuration(p.durationMs)} simulated  AWF ${p.percent} %  ${p.decisions} decisions`;
  };
  return {
    update(progress) {
      if (stream.isTTY) {
        stream.write(`\r${line(progress)}\x1b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((progress.elapsedMs / progress.durationMs) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(progress)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
