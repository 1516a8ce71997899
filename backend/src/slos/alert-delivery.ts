import { type AlertUnit, alertDefinition, formatSloValue, type SloSeverity } from './slo-definitions.js';
import type { SloAlert, SloResolutionReason } from './slo-store.js';

/** What callbacks and the webhook receive when an alert fires or resolves. */
export interface SloAlertEvent {
  kind: 'fired' | 'resolved';
  alert: SloAlert;
  slo: SloAlert['slo'];
  title: string;
  severity: SloSeverity;
  unit: AlertUnit;
  /** The value that fired or resolved the alert, in `unit`; null when a no_data resolution saw no AWF turn. */
  value: number | null;
  /**
   * The one-sided lower confidence bound of `value` at the evaluation that fired or resolved the alert,
   * in `unit` (what firing judges: the alert fires when it is above `threshold`); null without a sample.
   */
  lowerBound: number | null;
  /** The confidence of `lowerBound`, percent (one-sided; SLO_ALERT_CONFIDENCE). */
  confidence: number;
  threshold: number;
  window: SloAlert['window'];
  /** The turns (or runs) `value` and `lowerBound` are over. */
  sample: number;
  suggestedActions: readonly string[];
  /** The instance that evaluated. */
  instanceId: string;
  /** ISO 8601. */
  at: string;
  /** On resolve: whether the value recovered or the alert closed for lack of data. */
  reason?: SloResolutionReason;
  /** On a no_data resolve: the minimum sample not reached, for how many evaluations in a row. */
  noData?: { minSample: number; evaluations: number };
  /** On a rolled_back resolve: the rollout that routes nobody to AWF. */
  rollout?: RolledBackRollout;
}

/** The rollout state a rolled_back resolution saw (from the rollout's AWF traffic, see awf-slos.ts). */
export interface RolledBackRollout {
  why: string;
  version: number;
  changedAt: string | null;
  changedBy: string | null;
}

/** An in-process alert hook. May be async; its failure is logged and never stops the others. */
export type SloAlertCallback = (event: SloAlertEvent) => void | Promise<void>;

/** Where the SLO service writes its lines; the process passes console or a pino logger. */
export interface SloLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleSloLog: SloLog = {
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** The lower bound the evaluation that fired or resolved an alert judged, and its confidence. */
export interface JudgedBound {
  lowerBound: number | null;
  confidence: number;
}

/** The event of a fire or resolve of `alert`, with the bound of the evaluation that made it. */
export function alertEvent(
  kind: SloAlertEvent['kind'],
  alert: SloAlert,
  instanceId: string,
  judged: JudgedBound,
  { noData, rollout }: { noData?: SloAlertEvent['noData']; rollout?: RolledBackRollout } = {},
): SloAlertEvent {
  const definition = alertDefinition(alert.slo);
  const fired = kind === 'fired';
  let value: number | null = alert.firedValue;
  if (!fired) {
    value =
      alert.resolvedReason === 'recovered' || alert.resolvedReason === undefined
        ? (alert.resolvedValue ?? alert.firedValue)
        : (alert.resolvedValue ?? null);
  }
  return {
    kind,
    alert,
    slo: alert.slo,
    title: definition.title,
    severity: alert.severity,
    unit: definition.unit,
    value,
    lowerBound: judged.lowerBound,
    confidence: judged.confidence,
    threshold: alert.threshold,
    window: alert.window,
    sample: fired ? alert.firedSample : (alert.resolvedSample ?? alert.firedSample),
    suggestedActions: definition.suggestedActions,
    instanceId,
    at: fired ? alert.firedAt : (alert.resolvedAt ?? alert.firedAt),
    ...(fired ? {} : { reason: alert.resolvedReason ?? 'recovered' }),
    ...(noData ? { noData } : {}),
    ...(rollout ? { rollout } : {}),
  };
}

/**
 * The warning line of a violation: value with its lower bound (what fired it) and sample, threshold,
 * severity, window and the seed's suggested actions, on one line so log search finds all of it.
 */
export function alertLogLine(event: SloAlertEvent): string {
  const value = event.value === null ? '-' : formatSloValue(event.unit, event.value);
  const threshold = formatSloValue(event.unit, event.threshold);
  if (event.kind === 'resolved' && event.reason === 'no_data') {
    const fired = formatSloValue(event.unit, event.alert.firedValue);
    const minSample = event.noData ? `${event.noData.minSample}` : 'the minimum sample of';
    const times = event.noData ? ` for ${event.noData.evaluations} evaluations in a row` : '';
    return `SLO alert resolved without data: ${event.title} (${event.severity}, fired at ${fired} > threshold ${threshold}): fewer than ${minSample} ${sampleNoun(event.unit, event.slo)} in window ${event.window}${times} (${event.sample} now); not judged again until traffic returns`;
  }
  if (event.kind === 'resolved' && event.reason === 'rolled_back') {
    const fired = formatSloValue(event.unit, event.alert.firedValue);
    const rollout = event.rollout;
    const change = rollout
      ? `${rollout.why}; version ${rollout.version}${rollout.changedBy ? ` by ${rollout.changedBy} at ${rollout.changedAt}` : ''}`
      : 'rolled back';
    return `SLO alert resolved by rollback: ${event.title} (${event.severity}, fired at ${fired} > threshold ${threshold}): the rollout routes nobody to AWF (${change}); not judged again until AWF traffic returns`;
  }
  if (event.kind === 'resolved') {
    return `SLO recovered: ${event.title} ${value}${boundClause(event)} is back within threshold ${threshold} (${event.severity} alert resolved, window ${event.window}, ${event.sample} ${sampleNoun(event.unit, event.slo)})`;
  }
  const actions = event.suggestedActions.map((action, i) => `${i + 1}) ${action}`).join('; ');
  return `SLO violated: ${event.title} ${value}${boundClause(event)} > threshold ${threshold} (${event.severity}, window ${event.window}, ${event.sample} ${sampleNoun(event.unit, event.slo)}). Suggested actions: ${actions}`;
}

/** ` (lower bound 1.12 % at 99.9 %, n=300)`: why the value fired or not; ` (n=0)` without a bound. */
function boundClause(event: SloAlertEvent): string {
  if (event.lowerBound === null) return ` (n=${event.sample})`;
  return ` (lower bound ${formatSloValue(event.unit, event.lowerBound)} at ${event.confidence} %, n=${event.sample})`;
}

/**
 * What an alert's sample counts: AWF turns for the SLOs; answered turns of each pipeline for the feedback
 * guardrail; shadow runs for the shadow SLOs.
 */
export function sampleNoun(unit: AlertUnit, slo?: string): string {
  if (slo?.startsWith('shadow_')) return 'shadow runs';
  return unit === 'pp' ? 'answered turns per pipeline' : 'AWF turns';
}

export type AlertDeliveryResult = { ok: true } | { ok: false; reason: string };

/** POSTs the event as JSON; a failure (status, network, timeout) is reported, never thrown. */
export async function postAlertWebhook(
  url: string,
  event: SloAlertEvent,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<AlertDeliveryResult> {
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** The webhook URL without credentials or query, for log lines. */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<unparseable webhook URL>';
  }
}
