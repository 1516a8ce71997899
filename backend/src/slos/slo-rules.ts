/**
 * Prometheus recording and alerting rules for the three AWF SLOs, as multi-window, multi-burn-rate
 * alerts (Google SRE Workbook, "Alerting on SLOs", for a 30-day error budget): page when the budget
 * burns 14.4× too fast over 1 h and 5 m, or 6× over 6 h and 30 m; ticket at 1× over 3 d and 6 h.
 * Both windows of a tier must burn, so an alert stops soon after the burning stops.
 *
 * Each SLO becomes an error ratio Prometheus can aggregate across instances: fallbacks / AWF turns,
 * invalid retries / AWF turns, and for latency "turns slower than SLO_TURN_P95_MS / AWF turns" with a
 * budget of 5 % (a p95 under the threshold is exactly "at most 5 % slower"), counted from the
 * histogram bucket whose edge is the threshold.
 */
import { type SloName, type SloSeverity, type SloThresholds, sloDefinition } from './slo-definitions.js';
import { METRIC_NAMES, thresholdBucketLabel } from './turn-metrics.js';

export interface BurnRateTier {
  /** Alert name suffix: Fast, Sustained, Slow. */
  name: 'FastBurn' | 'SustainedBurn' | 'SlowBurn';
  burnRate: number;
  longWindow: string;
  shortWindow: string;
  /** Where Alertmanager should send it. */
  severity: 'page' | 'ticket';
}

/** The SRE Workbook's tiers for a 30-day budget, as the issue states them. */
export const BURN_RATE_TIERS: readonly BurnRateTier[] = [
  { name: 'FastBurn', burnRate: 14.4, longWindow: '1h', shortWindow: '5m', severity: 'page' },
  { name: 'SustainedBurn', burnRate: 6, longWindow: '6h', shortWindow: '30m', severity: 'page' },
  { name: 'SlowBurn', burnRate: 1, longWindow: '3d', shortWindow: '6h', severity: 'ticket' },
];

/** Every window a recording rule is needed for. */
export const RULE_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;

export interface SloRuleSpec {
  slo: SloName;
  /** PascalCase for alert names. */
  alertStem: string;
  /** The recording rule prefix, e.g. `awf:turn_fallback_ratio` (a window suffix follows). */
  record: string;
  /** The allowed error ratio (0–1). */
  budget: number;
  seedSeverity: SloSeverity;
  /** What the SLO promises, in words, for descriptions. */
  objective: string;
  /** The error ratio over `window`. */
  ratioExpr(window: string): string;
}

const AWF_TURNS = `${METRIC_NAMES.turns}{pipeline="awf"}`;

/** The three SLOs as error ratios with budgets, from the thresholds. */
export function sloRuleSpecs(thresholds: SloThresholds): SloRuleSpec[] {
  const le = thresholdBucketLabel(thresholds.turnP95Ms);
  return [
    {
      slo: 'turn_latency_p95',
      alertStem: 'TurnLatency',
      record: 'awf:turn_latency_slow_ratio',
      budget: 0.05,
      seedSeverity: sloDefinition('turn_latency_p95').severity,
      objective: `at most 5% of AWF turns slower than ${thresholds.turnP95Ms} ms (p95 <= SLO_TURN_P95_MS)`,
      ratioExpr: (w) =>
        `1 - (sum(rate(${METRIC_NAMES.turnLatency}_bucket{pipeline="awf",le="${le}"}[${w}])) / sum(rate(${METRIC_NAMES.turnLatency}_count{pipeline="awf"}[${w}])))`,
    },
    {
      slo: 'invalid_retry_rate',
      alertStem: 'InvalidRetryRate',
      record: 'awf:turn_invalid_retry_ratio',
      budget: percentToRatio(thresholds.invalidRetryRatePct),
      seedSeverity: sloDefinition('invalid_retry_rate').severity,
      objective: `at most ${thresholds.invalidRetryRatePct}% of AWF turns retried after invalid output (SLO_INVALID_RETRY_RATE)`,
      ratioExpr: (w) => `sum(rate(${METRIC_NAMES.invalidRetries}[${w}])) / sum(rate(${AWF_TURNS}[${w}]))`,
    },
    {
      slo: 'fallback_rate',
      alertStem: 'FallbackRate',
      record: 'awf:turn_fallback_ratio',
      budget: percentToRatio(thresholds.fallbackRatePct),
      seedSeverity: sloDefinition('fallback_rate').severity,
      objective: `at most ${thresholds.fallbackRatePct}% of AWF turns falling back to legacy (SLO_FALLBACK_RATE)`,
      ratioExpr: (w) => `sum(rate(${METRIC_NAMES.fallbacks}[${w}])) / sum(rate(${AWF_TURNS}[${w}]))`,
    },
  ];
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleFile {
  groups: Array<{ name: string; rules: Array<RecordingRule | AlertingRule> }>;
}

/** The alert name of one SLO and tier, e.g. `AwfSloFallbackRateFastBurn`. */
export function alertName(spec: SloRuleSpec, tier: BurnRateTier): string {
  return `AwfSlo${spec.alertStem}${tier.name}`;
}

/** The labels an alert carries (the promtool test expects exactly these). */
export function alertLabels(spec: SloRuleSpec, tier: BurnRateTier): Record<string, string> {
  return {
    severity: tier.severity,
    slo: spec.slo,
    slo_severity: spec.seedSeverity,
    burn_rate: String(tier.burnRate),
    long_window: tier.longWindow,
    short_window: tier.shortWindow,
  };
}

/** The annotations an alert carries: what burns, what the SLO is, and the seed's suggested actions. */
export function alertAnnotations(spec: SloRuleSpec, tier: BurnRateTier): Record<string, string> {
  const definition = sloDefinition(spec.slo);
  return {
    summary: `AWF ${definition.title}: error budget burning ${tier.burnRate}x over ${tier.longWindow} and ${tier.shortWindow}`,
    description: `The ${definition.title} error ratio is above ${tier.burnRate} x ${formatNumber(spec.budget)} over both the last ${tier.longWindow} and the last ${tier.shortWindow} (SLO: ${spec.objective}; seed severity ${spec.seedSeverity}). At this rate a 30-day budget lasts ${budgetLasts(tier.burnRate)}.`,
    suggested_actions: definition.suggestedActions.map((action, i) => `${i + 1}) ${action}`).join('; '),
    runbook: 'docs/slos.md (Suggested actions); tsx backend/scripts/slo-status.ts --window 1h',
  };
}

/** The rule file: recording rules per SLO and window, then one alert per SLO and tier. */
export function buildSloRules(thresholds: SloThresholds): RuleFile {
  const specs = sloRuleSpecs(thresholds);
  const recording: RecordingRule[] = specs.flatMap((spec) =>
    RULE_WINDOWS.map((window) => ({ record: `${spec.record}:rate${window}`, expr: spec.ratioExpr(window) })),
  );
  const alerts: AlertingRule[] = specs.flatMap((spec) =>
    BURN_RATE_TIERS.map((tier) => {
      const limit = `(${tier.burnRate} * ${formatNumber(spec.budget)})`;
      return {
        alert: alertName(spec, tier),
        expr: `${spec.record}:rate${tier.longWindow} > ${limit} and ${spec.record}:rate${tier.shortWindow} > ${limit}`,
        labels: alertLabels(spec, tier),
        annotations: alertAnnotations(spec, tier),
      };
    }),
  );
  return {
    groups: [
      { name: 'awf-slo-error-ratios', rules: recording },
      { name: 'awf-slo-burn-rate-alerts', rules: alerts },
    ],
  };
}

/** `1.0` % → 0.01 without float noise (0.7 / 100 would print 0.006999999999999999). */
export function percentToRatio(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

function budgetLasts(burnRate: number): string {
  const hours = (30 * 24) / burnRate;
  return hours >= 48 ? `${Math.round(hours / 24)} days` : `${Math.round(hours)} hours`;
}

/** A small YAML writer for rule and test files: maps, lists, and scalars (strings double-quoted). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value
      .map((item) => {
        if (isPlainObject(item) || Array.isArray(item)) {
          const nested = toYaml(item, indent + 2);
          return `${pad}- ${nested.slice(indent + 2)}`;
        }
        return `${pad}- ${scalar(item)}\n`;
      })
      .join('');
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries
      .map(([key, v]) => {
        if (Array.isArray(v) && v.length === 0) return `${pad}${key}: []\n`;
        if (isPlainObject(v) && Object.keys(v).length === 0) return `${pad}${key}: {}\n`;
        if (Array.isArray(v) || isPlainObject(v)) return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
        return `${pad}${key}: ${scalar(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  // Single-quoted YAML escapes nothing but the quote itself, so PromQL stays readable; only a line
  // break would need double quotes.
  if (/[\n\r]/.test(text)) return JSON.stringify(text);
  return `'${text.replaceAll("'", "''")}'`;
}
