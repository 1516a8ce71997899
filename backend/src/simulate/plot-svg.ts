import { wilsonInterval } from '../slos/confidence-bounds.js';
import type { SimulationRun } from './simulation.js';

/** At most this many points per line: a month of minutes is grouped into buckets of several minutes. */
const MAX_BUCKETS = 600;
const MIN_BUCKET_MINUTES = 5;

const WIDTH = 1000;
const LEFT = 70;
const RIGHT = 20;
const PERCENT_PANEL = { top: 50, height: 150 };
const RATE_PANEL = { top: 250, height: 220 };
const HEIGHT = 530;

/** AWF turns and fallbacks of a bucket of minutes, with the 95 % Wilson interval of the rate. */
export interface RateBucket {
  fromMinute: number;
  minutes: number;
  turns: number;
  fallbacks: number;
  ratePct: number;
  lowPct: number;
  highPct: number;
  truePct: number;
}

/** The AWF fallback rate per bucket of minutes (buckets without AWF turns are left out: no line there). */
export function fallbackBuckets(run: Pick<SimulationRun, 'minutes'>): RateBucket[] {
  const { awfTurns, awfFallbacks, trueAwfFallbackPct } = run.minutes;
  const total = awfTurns.length;
  const size = Math.max(MIN_BUCKET_MINUTES, Math.ceil(total / MAX_BUCKETS));
  const buckets: RateBucket[] = [];
  for (let from = 0; from < total; from += size) {
    let turns = 0;
    let fallbacks = 0;
    const to = Math.min(total, from + size);
    for (let m = from; m < to; m++) {
      turns += awfTurns[m] as number;
      fallbacks += awfFallbacks[m] as number;
    }
    if (turns === 0) continue;
    const interval = wilsonInterval(fallbacks, turns);
    buckets.push({
      fromMinute: from,
      minutes: to - from,
      turns,
      fallbacks,
      ratePct: (fallbacks / turns) * 100,
      lowPct: interval.low * 100,
      highPct: interval.high * 100,
      truePct: trueAwfFallbackPct[from] as number,
    });
  }
  return buckets;
}

/**
 * The run as an SVG: the percentage the router applied over time (top), and the AWF fallback rate
 * per bucket of minutes with its 95 % bounds, the scenario's true rate and the SLO threshold
 * (bottom); rollbacks, pauses, advances and the fault's start are marked across both.
 */
export function renderPlotSvg(run: SimulationRun): string {
  const durationMs = run.endMs - run.startMs;
  const x = (ms: number) => LEFT + ((ms - run.startMs) / durationMs) * (WIDTH - LEFT - RIGHT);
  const xMinute = (minute: number) => x(run.startMs + minute * 60_000);
  const buckets = fallbackBuckets(run);
  const threshold = run.fallbackThresholdPct;
  const rateMax = niceCeiling(
    Math.min(
      100,
      Math.max(threshold * 2, ...buckets.map((bucket) => Math.max(bucket.highPct, bucket.truePct))),
    ),
  );
  const yPercent = (percent: number) => PERCENT_PANEL.top + PERCENT_PANEL.height * (1 - percent / 100);
  const yRate = (pct: number) => RATE_PANEL.top + RATE_PANEL.height * (1 - Math.min(pct, rateMax) / rateMax);
  const parts: string[] = [];

  parts.push(
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${escapeXml(`npm run simulate -- --scenario ${run.scenario.name} --seed ${run.seed} --rate ${run.ratePerSecond}/s`)}</text>`,
    `<text x="${LEFT}" y="40" font-size="12" fill="#444">${escapeXml(run.scenario.summary)}</text>`,
  );

  // Percent panel: a step line of what the router applied.
  parts.push(panelFrame(PERCENT_PANEL, 'AWF percent (router)'));
  for (const tick of [0, 25, 50, 75, 100]) parts.push(yTick(yPercent(tick), `${tick} %`));
  const steps: string[] = [];
  let previousY: number | undefined;
  for (const change of run.applied) {
    const y = yPercent(change.percent);
    if (previousY !== undefined) steps.push(`${fmt(x(change.atMs))},${fmt(previousY)}`);
    steps.push(`${fmt(x(change.atMs))},${fmt(y)}`);
    previousY = y;
  }
  if (previousY !== undefined) steps.push(`${fmt(x(run.endMs))},${fmt(previousY)}`);
  parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${steps.join(' ')}"/>`);

  // Rate panel: the 95 % band, the observed and true rates, the threshold.
  parts.push(panelFrame(RATE_PANEL, 'AWF fallback rate'));
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(yTick(yRate(rateMax * fraction), `${round(rateMax * fraction)} %`));
  }
  for (const segment of contiguous(buckets)) {
    const upper = segment.map(
      (b) => `${fmt(xMinute(b.fromMinute + b.minutes / 2))},${fmt(yRate(b.highPct))}`,
    );
    const lower = segment
      .map((b) => `${fmt(xMinute(b.fromMinute + b.minutes / 2))},${fmt(yRate(b.lowPct))}`)
      .reverse();
    parts.push(
      `<polygon class="bounds" fill="#ff7f0e" fill-opacity="0.2" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`,
      `<polyline class="observed" fill="none" stroke="#ff7f0e" stroke-width="1.5" points="${segment.map((b) => `${fmt(xMinute(b.fromMinute + b.minutes / 2))},${fmt(yRate(b.ratePct))}`).join(' ')}"/>`,
    );
  }
  const truePoints: string[] = [];
  for (
    let m = 0;
    m < run.minutes.trueAwfFallbackPct.length;
    m += Math.max(1, Math.ceil(run.minutes.trueAwfFallbackPct.length / MAX_BUCKETS))
  ) {
    truePoints.push(`${fmt(xMinute(m))},${fmt(yRate(run.minutes.trueAwfFallbackPct[m] as number))}`);
  }
  parts.push(
    `<polyline class="true-rate" fill="none" stroke="#555" stroke-width="1" stroke-dasharray="2 3" points="${truePoints.join(' ')}"/>`,
    `<line class="threshold" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fmt(yRate(threshold))}" y2="${fmt(yRate(threshold))}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${WIDTH - RIGHT - 4}" y="${fmt(yRate(threshold) - 4)}" font-size="11" fill="#d62728" text-anchor="end">SLO threshold ${threshold} %</text>`,
  );

  // Markers across both panels.
  const markers: Array<{ atMs: number; color: string; label: string; dash?: string }> = [];
  for (const decision of run.decisions) {
    const atMs = Date.parse(decision.at);
    if (decision.action === 'rollback' || decision.action === 'previous') {
      markers.push({ atMs, color: '#d62728', label: decision.action });
    } else if (decision.action === 'pause') {
      markers.push({ atMs, color: '#ff9896', label: 'pause' });
    } else if (decision.action === 'advance') {
      markers.push({ atMs, color: '#2ca02c', label: 'advance', dash: '3 3' });
    }
  }
  if (run.faultStartedAtMs !== undefined) {
    markers.push({ atMs: run.faultStartedAtMs, color: '#9467bd', label: 'fault', dash: '1 3' });
  }
  for (const marker of markers) {
    const mx = fmt(x(marker.atMs));
    parts.push(
      `<line class="marker ${marker.label}" x1="${mx}" x2="${mx}" y1="${PERCENT_PANEL.top}" y2="${RATE_PANEL.top + RATE_PANEL.height}" stroke="${marker.color}" stroke-width="1.2"${marker.dash ? ` stroke-dasharray="${marker.dash}"` : ''}/>`,
      `<text x="${mx}" y="${PERCENT_PANEL.top - 3}" font-size="10" fill="${marker.color}" text-anchor="middle">${marker.label}</text>`,
    );
  }
  for (const alert of run.alerts.filter((event) => event.slo === 'fallback_rate')) {
    const ax = fmt(x(alert.atMs));
    const ay = RATE_PANEL.top + RATE_PANEL.height + 4;
    parts.push(
      `<path class="alert ${alert.kind}" d="M${ax},${ay} l-4,8 h8 z" fill="${alert.kind === 'fired' ? '#d62728' : '#2ca02c'}"/>`,
    );
  }

  // Time axis in days (hours for runs under two days).
  const inDays = durationMs >= 2 * 86_400_000;
  const unitMs = inDays ? 86_400_000 : 3_600_000;
  const span = durationMs / unitMs;
  const step = niceStep(span / 10);
  const axisY = RATE_PANEL.top + RATE_PANEL.height;
  for (let t = 0; t <= span + 1e-9; t += step) {
    const tx = fmt(x(run.startMs + t * unitMs));
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 4}" stroke="#000"/>`,
      `<text x="${tx}" y="${axisY + 28}" font-size="11" text-anchor="middle">${round(t)}${inDays ? 'd' : 'h'}</text>`,
    );
  }
  parts.push(
    `<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 8}" font-size="11" text-anchor="middle">simulated time since ${new Date(run.startMs).toISOString()} · orange: observed AWF fallback rate per ${buckets[0]?.minutes ?? MIN_BUCKET_MINUTES} min with its 95 % (Wilson) bounds · dotted: the scenario's true rate · triangles: fallback-rate alert fired/resolved</text>`,
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function panelFrame(panel: { top: number; height: number }, title: string): string {
  return [
    `<rect x="${LEFT}" y="${panel.top}" width="${WIDTH - LEFT - RIGHT}" height="${panel.height}" fill="none" stroke="#999"/>`,
    `<text x="${LEFT + 4}" y="${panel.top + 14}" font-size="12" fill="#333">${escapeXml(title)}</text>`,
  ].join('\n');
}

function yTick(y: number, label: string): string {
  return [
    `<line x1="${LEFT - 4}" x2="${LEFT}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#000"/>`,
    `<text x="${LEFT - 6}" y="${fmt(y + 4)}" font-size="11" text-anchor="end">${escapeXml(label)}</text>`,
  ].join('\n');
}

/** Runs of buckets without a gap (a gap is a stretch of minutes without AWF turns). */
function contiguous(buckets: readonly RateBucket[]): RateBucket[][] {
  const runs: RateBucket[][] = [];
  for (const bucket of buckets) {
    const current = runs.at(-1);
    const last = current?.at(-1);
    if (current && last && last.fromMinute + last.minutes === bucket.fromMinute) current.push(bucket);
    else runs.push([bucket]);
  }
  return runs;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

function niceCeiling(value: number): number {
  return Math.min(100, niceStep(value / 4) * 4);
}

function fmt(value: number): string {
  return value.toFixed(1);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
