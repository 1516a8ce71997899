import { LatencySketch } from './latency-sketch.js';
import type { AlertName, SloSeverity, SloThresholds } from './slo-definitions.js';
import type { SloAlert, StoredMinute } from './slo-store.js';
import { type AggregatePipeline, MINUTE_MS } from './turn-aggregates.js';

/** The windows the dashboard charts, and the step each one is drawn at (so a chart holds ≤ 288 points). */
export const SERIES_WINDOWS = { '1h': 1, '24h': 5, '7d': 60 } as const;
export type SeriesWindow = keyof typeof SERIES_WINDOWS;
const SERIES_WINDOW_MINUTES: Record<SeriesWindow, number> = { '1h': 60, '24h': 1440, '7d': 10_080 };

/**
 * One pipeline's figures per step, as columns (uPlot's shape): null where the step had no turn of
 * that pipeline. Rates are percentages of the step's turns; averages are per turn.
 */
export interface PipelineColumns {
  turns: number[];
  latencyP95Ms: Array<number | null>;
  retryRatePct: Array<number | null>;
  fallbackRatePct: Array<number | null>;
  avgBundleBytes: Array<number | null>;
  avgTokensIn: Array<number | null>;
  avgTokensOut: Array<number | null>;
  /** Ratings of this pipeline's answers in the step (deltas: a replaced rating moves between steps). */
  feedbackUp: number[];
  feedbackDown: number[];
  /** Down ratings per 100 answered turns in the step (awf: its turns less fallbacks; legacy: plus AWF's fallbacks). */
  downRatePct: Array<number | null>;
}

export interface AlertMarker {
  at: string;
  slo: AlertName;
  severity: SloSeverity;
  kind: 'fired' | 'resolved';
}

/** GET /api/admin/slo/series: the per-minute aggregates over a window, per step and pipeline. */
export interface SloSeries {
  window: SeriesWindow;
  from: string;
  to: string;
  stepMinutes: number;
  thresholds: { latencyP95Ms: number; retryRatePct: number; fallbackRatePct: number };
  /** Each step's start, epoch seconds. */
  times: number[];
  pipelines: Record<AggregatePipeline, PipelineColumns>;
  alerts: AlertMarker[];
}

/** Builds the series from stored minutes (every instance) and the alerts fired in the window. */
export function buildSloSeries(input: {
  window: SeriesWindow;
  nowMs: number;
  thresholds: SloThresholds;
  minutes: readonly StoredMinute[];
  alerts: readonly SloAlert[];
}): SloSeries {
  const { window, nowMs } = input;
  const step = SERIES_WINDOWS[window];
  const range = seriesRange(window, nowMs);
  const steps = Math.ceil((range.toMinute - range.fromMinute + 1) / step);
  const times = Array.from({ length: steps }, (_, i) => ((range.fromMinute + i * step) * MINUTE_MS) / 1000);
  const buckets = new Map<string, StepTotals>();
  for (const row of input.minutes) {
    const index = Math.floor((row.minute - range.fromMinute) / step);
    if (index < 0 || index >= steps) continue;
    const key = `${row.pipeline}:${index}`;
    let totals = buckets.get(key);
    if (!totals) {
      totals = emptyTotals();
      buckets.set(key, totals);
    }
    addRow(totals, row);
  }
  const at = (pipeline: AggregatePipeline, index: number) => buckets.get(`${pipeline}:${index}`);
  const pipelines = {} as Record<AggregatePipeline, PipelineColumns>;
  for (const pipeline of ['awf', 'legacy', 'awf_shadow'] as const) {
    const columns = emptyColumns();
    for (let index = 0; index < steps; index++) {
      const totals = at(pipeline, index) ?? emptyTotals();
      const answered =
        pipeline === 'awf'
          ? totals.turns - totals.fallbacks
          : pipeline === 'legacy'
            ? totals.turns + (at('awf', index)?.fallbacks ?? 0)
            : 0;
      pushStep(columns, totals, answered);
    }
    pipelines[pipeline] = columns;
  }
  const fromIso = new Date(range.fromMinute * MINUTE_MS).toISOString();
  const alerts: AlertMarker[] = [];
  for (const alert of input.alerts) {
    if (alert.firedAt >= fromIso) alerts.push(marker(alert, alert.firedAt, 'fired'));
    if (alert.resolvedAt && alert.resolvedAt >= fromIso)
      alerts.push(marker(alert, alert.resolvedAt, 'resolved'));
  }
  alerts.sort((a, b) => a.at.localeCompare(b.at));
  return {
    window,
    from: fromIso,
    to: new Date(nowMs).toISOString(),
    stepMinutes: step,
    thresholds: {
      latencyP95Ms: input.thresholds.turnP95Ms,
      retryRatePct: input.thresholds.invalidRetryRatePct,
      fallbackRatePct: input.thresholds.fallbackRatePct,
    },
    times,
    pipelines,
    alerts,
  };
}

/** The minutes a window covers at `nowMs`, aligned to its step so steps do not shift every minute. */
export function seriesRange(window: SeriesWindow, nowMs: number): { fromMinute: number; toMinute: number } {
  const step = SERIES_WINDOWS[window];
  const toMinute = Math.floor(nowMs / MINUTE_MS);
  const lastStep = toMinute - (toMinute % step);
  return { fromMinute: lastStep - SERIES_WINDOW_MINUTES[window] + step, toMinute };
}

interface StepTotals {
  turns: number;
  retries: number;
  fallbacks: number;
  latency: LatencySketch;
  tokensIn: number;
  tokensOut: number;
  bundleBytes: number;
  up: number;
  down: number;
}

function emptyTotals(): StepTotals {
  return {
    turns: 0,
    retries: 0,
    fallbacks: 0,
    latency: new LatencySketch(),
    tokensIn: 0,
    tokensOut: 0,
    bundleBytes: 0,
    up: 0,
    down: 0,
  };
}

function addRow(totals: StepTotals, row: StoredMinute): void {
  totals.turns += row.turns;
  totals.retries += row.retries;
  totals.fallbacks += row.fallbacks;
  totals.latency.mergeEncoded(row.latencySketch);
  // Shadow runs keep their spend in the shadow counters; served turns in the columns of migration 013.
  const spend =
    row.pipeline === 'awf_shadow' && row.shadow
      ? row.shadow
      : { tokensIn: row.tokensIn ?? 0, tokensOut: row.tokensOut ?? 0, bundleBytes: row.bundleBytes ?? 0 };
  totals.tokensIn += spend.tokensIn;
  totals.tokensOut += spend.tokensOut;
  totals.bundleBytes += spend.bundleBytes;
  totals.up += row.feedback.up;
  totals.down += row.feedback.down;
}

function emptyColumns(): PipelineColumns {
  return {
    turns: [],
    latencyP95Ms: [],
    retryRatePct: [],
    fallbackRatePct: [],
    avgBundleBytes: [],
    avgTokensIn: [],
    avgTokensOut: [],
    feedbackUp: [],
    feedbackDown: [],
    downRatePct: [],
  };
}

function pushStep(columns: PipelineColumns, totals: StepTotals, answered: number): void {
  const per = (value: number, of: number, scale = 1) => (of > 0 ? round((value / of) * scale) : null);
  columns.turns.push(totals.turns);
  const p95 = totals.turns > 0 ? totals.latency.quantile(0.95) : undefined;
  columns.latencyP95Ms.push(p95 === undefined ? null : round(p95));
  columns.retryRatePct.push(per(totals.retries, totals.turns, 100));
  columns.fallbackRatePct.push(per(totals.fallbacks, totals.turns, 100));
  columns.avgBundleBytes.push(per(totals.bundleBytes, totals.turns));
  columns.avgTokensIn.push(per(totals.tokensIn, totals.turns));
  columns.avgTokensOut.push(per(totals.tokensOut, totals.turns));
  columns.feedbackUp.push(totals.up);
  columns.feedbackDown.push(totals.down);
  columns.downRatePct.push(per(totals.down, answered, 100));
}

function marker(alert: SloAlert, at: string, kind: AlertMarker['kind']): AlertMarker {
  return { at, slo: alert.slo, severity: alert.severity, kind };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
