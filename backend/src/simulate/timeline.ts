import type { SimDecision, SimulationRun } from './simulation.js';

/**
 * One row of the timeline: a decision that changed something, or a run of holds in the same stage for
 * the same reason summarised as one (from its first to its last evaluation, with the last evidence).
 */
export interface TimelineDecision {
  /** ISO 8601: the decision, or the first hold of the run. */
  at: string;
  stage: number;
  stagePercent: number | 'shadow';
  action: SimDecision['action'];
  reason: string;
  evidence: Record<string, unknown>;
  /** Holds only: the last hold of the run and how many evaluations it spans. */
  until?: string;
  evaluations?: number;
}

export interface SimulationSummary {
  finalPercent: number;
  advances: number;
  /** Decisions that lowered the percentage: `rollback` (to 0 %) and `previous` (a stage back). */
  rollbacks: number;
  pauses: number;
  faultStartedAt?: string;
  rollbackDecidedAfterSeconds?: number;
  rollbackAppliedAfterSeconds?: number;
}

/** What `--json` prints: exactly this object. */
export interface SimulationReport {
  scenario: string;
  seed: number;
  decisions: TimelineDecision[];
  summary: SimulationSummary;
  plot: string;
}

const LOWERS = new Set<SimDecision['action']>(['rollback', 'previous']);

/** Consecutive holds of one stage and reason become one row; every other decision is its own row. */
export function summariseDecisions(decisions: readonly SimDecision[]): TimelineDecision[] {
  const rows: TimelineDecision[] = [];
  for (const decision of decisions) {
    const last = rows.at(-1);
    const row: TimelineDecision = {
      at: decision.at,
      stage: decision.stage,
      stagePercent: decision.stagePercent,
      action: decision.action,
      reason: decision.reason,
      evidence: decision.evidence,
    };
    if (decision.action !== 'hold') {
      rows.push(row);
    } else if (last?.action === 'hold' && last.stage === decision.stage && last.reason === decision.reason) {
      last.until = decision.at;
      last.evaluations = (last.evaluations ?? 1) + 1;
      last.evidence = decision.evidence;
    } else {
      rows.push({ ...row, until: decision.at, evaluations: 1 });
    }
  }
  return rows;
}

/** Counts and, when the scenario had a fault, how long the rollback took from the fault's start. */
export function summariseRun(run: SimulationRun): SimulationSummary {
  const count = (actions: ReadonlySet<SimDecision['action']> | SimDecision['action']) =>
    run.decisions.filter((decision) =>
      typeof actions === 'string' ? decision.action === actions : actions.has(decision.action),
    ).length;
  const summary: SimulationSummary = {
    finalPercent: run.applied.at(-1)?.percent ?? 0,
    advances: count('advance'),
    rollbacks: count(LOWERS),
    pauses: count('pause'),
  };
  const fault = run.faultStartedAtMs;
  if (fault === undefined) return summary;
  summary.faultStartedAt = new Date(fault).toISOString();
  const rollback = run.decisions.find(
    (decision) => LOWERS.has(decision.action) && Date.parse(decision.at) >= fault,
  );
  if (!rollback) return summary;
  const decidedAt = Date.parse(rollback.at);
  summary.rollbackDecidedAfterSeconds = (decidedAt - fault) / 1000;
  const before = percentAt(run, decidedAt);
  const lowered = run.applied.find((change) => change.atMs >= decidedAt && change.percent < before);
  if (lowered) summary.rollbackAppliedAfterSeconds = (lowered.atMs - fault) / 1000;
  return summary;
}

/** The percent the router applied at `atMs` (the last change at or before it). */
export function percentAt(run: Pick<SimulationRun, 'applied'>, atMs: number): number {
  let percent = 0;
  for (const change of run.applied) {
    if (change.atMs > atMs) break;
    percent = change.percent;
  }
  return percent;
}

export function buildReport(run: SimulationRun, plot: string): SimulationReport {
  return {
    scenario: run.scenario.name,
    seed: run.seed,
    decisions: summariseDecisions(run.decisions),
    summary: summariseRun(run),
    plot,
  };
}

/** `+3d 04:05:06`: simulated time since the start, the timeline's clock. */
export function sinceStart(startMs: number, atMs: number): string {
  const total = Math.round((atMs - startMs) / 1000);
  const days = Math.floor(total / 86_400);
  const rest = total - days * 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(rest % 60).padStart(2, '0');
  return `+${days}d ${hh}:${mm}:${ss}`;
}

const stageLabel = (row: Pick<TimelineDecision, 'stage' | 'stagePercent'>) =>
  `${row.stage} (${row.stagePercent === 'shadow' ? 'shadow' : `${row.stagePercent} %`})`;

/**
 * The timeline for people: decisions, operator actions and SLO alerts in time order as a table
 * (holds summarised), then the summary.
 */
export function formatTimeline(run: SimulationRun, report: SimulationReport): string[] {
  type Row = { atMs: number; cells: [string, string, string, string, string] };
  const rows: Row[] = [];
  for (const row of report.decisions) {
    const atMs = Date.parse(row.at);
    const span =
      row.action === 'hold' && row.until !== undefined
        ? `${row.evaluations} evaluation${row.evaluations === 1 ? '' : 's'} until ${sinceStart(run.startMs, Date.parse(row.until))}: ${describeEvidence(row.evidence)}`
        : describeEvidence(row.evidence);
    rows.push({
      atMs,
      cells: [sinceStart(run.startMs, atMs), stageLabel(row), row.action, row.reason, span],
    });
  }
  for (const event of run.operatorEvents) {
    rows.push({
      atMs: event.atMs,
      cells: [sinceStart(run.startMs, event.atMs), '', 'operator', '', event.what],
    });
  }
  for (const alert of run.alerts) {
    const value = alert.value === null ? 'no data' : String(round(alert.value));
    rows.push({
      atMs: alert.atMs,
      cells: [
        sinceStart(run.startMs, alert.atMs),
        '',
        `alert ${alert.kind}`,
        alert.slo,
        `${alert.severity}, value ${value}${alert.reason ? `, ${alert.reason}` : ''}`,
      ],
    });
  }
  for (const change of run.applied.slice(1)) {
    rows.push({
      atMs: change.atMs,
      cells: [
        sinceStart(run.startMs, change.atMs),
        '',
        'routing',
        '',
        `the router now sends ${change.percent} % to AWF`,
      ],
    });
  }
  rows.sort((a, b) => a.atMs - b.atMs);
  const header: Row['cells'] = ['sim time', 'stage', 'action', 'reason', 'details'];
  const widths = header.map((title, i) =>
    Math.min(40, Math.max(title.length, ...rows.map((row) => (row.cells[i] as string).length))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const summary = report.summary;
  const lines = [
    `scenario ${run.scenario.name} (seed ${run.seed}, ${run.ratePerSecond} turns/s, ${round((run.endMs - run.startMs) / 86_400_000)} simulated days from ${new Date(run.startMs).toISOString()}): ${run.scenario.summary}`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(row.cells)),
    '',
    `turns: ${run.turns.awf} AWF, ${run.turns.legacy} legacy; decisions: ${run.decisions.length} evaluations, ${summary.advances} advances, ${summary.rollbacks} rollbacks, ${summary.pauses} pauses; final percent ${summary.finalPercent} %`,
  ];
  if (summary.faultStartedAt !== undefined) {
    const decided =
      summary.rollbackDecidedAfterSeconds === undefined
        ? 'no rollback'
        : `rollback decided ${summary.rollbackDecidedAfterSeconds} s and applied ${summary.rollbackAppliedAfterSeconds ?? '?'} s after it`;
    lines.push(`fault started at ${sinceStart(run.startMs, Date.parse(summary.faultStartedAt))}; ${decided}`);
  }
  lines.push(`plot: ${report.plot}`);
  return lines;
}

/**
 * The evidence in one short line: the summaries of the gates the verdict names (the plan controller's
 * evidence), else its first scalar fields.
 */
export function describeEvidence(evidence: Record<string, unknown>): string {
  const gates = Array.isArray(evidence.gates) ? (evidence.gates as Array<Record<string, unknown>>) : [];
  const verdict = evidence.verdict as { decidedBy?: unknown } | undefined;
  const decidedBy = Array.isArray(verdict?.decidedBy) ? (verdict.decidedBy as unknown[]) : [];
  const named = gates.filter((gate) => decidedBy.includes(gate.name) && typeof gate.summary === 'string');
  if (named.length > 0 && named.length <= 3) return named.map((gate) => gate.summary as string).join('; ');
  if (named.length > 3) return `${named.length} gates pass`;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (typeof value === 'number') parts.push(`${key} ${round(value)}`);
    else if (typeof value === 'string' || typeof value === 'boolean') parts.push(`${key} ${value}`);
    if (parts.length === 4) break;
  }
  return parts.join(', ');
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
