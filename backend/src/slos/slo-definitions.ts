/**
 * The three AWF SLOs of the seed ("SLO Monitoring and Alerting"), their severities ("Alerting
 * Thresholds"), their suggested actions ("Suggested Actions" and "Troubleshooting"), and the windows
 * they are judged over. Everything else (evaluation, alerts, Prometheus rules, slo-status) reads these.
 */

export type SloName = 'turn_latency_p95' | 'invalid_retry_rate' | 'fallback_rate';

/** The seed's "Alerting Thresholds": fallback rate critical, retry rate and latency warning. */
export type SloSeverity = 'warning' | 'critical';

/** What an SLO looks like over a window: its severity when violated, or why it cannot be judged. */
export type SloState = 'ok' | 'warning' | 'critical' | 'insufficient_data';

export { SLO_WINDOWS, type SloWindow, WINDOW_MINUTES } from '../shared/slo-windows.js';

/** The thresholds, in the seed's units: ms for latency, percent for the rates. */
export interface SloThresholds {
  turnP95Ms: number;
  invalidRetryRatePct: number;
  fallbackRatePct: number;
}

export interface SloDefinition {
  name: SloName;
  /** For people: `turn latency p95`. */
  title: string;
  severity: SloSeverity;
  unit: 'ms' | '%';
  /** The env var that sets the threshold. */
  thresholdEnv: string;
  threshold(thresholds: SloThresholds): number;
  /** The seed's remediation steps for this SLO, in the seed's order. */
  suggestedActions: readonly string[];
}

/** The SLOs in the order they are shown. */
export const SLO_DEFINITIONS: readonly SloDefinition[] = [
  {
    name: 'turn_latency_p95',
    title: 'turn latency p95',
    severity: 'warning',
    unit: 'ms',
    thresholdEnv: 'SLO_TURN_P95_MS',
    threshold: (t) => t.turnP95Ms,
    suggestedActions: [
      'Check model provider health',
      'Review bundle size and token counts',
      'Consider reducing rollout percentage (tsx backend/scripts/awf-rollout-set.ts --percent <lower> --actor <you>)',
      'Check for resource constraints',
    ],
  },
  {
    name: 'invalid_retry_rate',
    title: 'invalid retry rate',
    severity: 'warning',
    unit: '%',
    thresholdEnv: 'SLO_INVALID_RETRY_RATE',
    threshold: (t) => t.invalidRetryRatePct,
    suggestedActions: [
      'Review validator rules',
      'Check model output quality',
      'Adjust model temperature (AWF_MODEL_TEMPERATURE)',
      'Review input bundle structure',
    ],
  },
  {
    name: 'fallback_rate',
    title: 'fallback rate',
    severity: 'critical',
    unit: '%',
    thresholdEnv: 'SLO_FALLBACK_RATE',
    threshold: (t) => t.fallbackRatePct,
    suggestedActions: [
      'Investigate consecutive validation failures',
      'Check model provider health',
      'Reduce rollout (tsx backend/scripts/awf-rollout-set.ts --percent <lower> --actor <you>)',
      'Review SLO thresholds',
      'Consider emergency rollback (export AWF_BUNDLE_ON=false, or EMERGENCY_FALLBACK=true)',
    ],
  },
];

export const SLO_NAMES: readonly SloName[] = SLO_DEFINITIONS.map((definition) => definition.name);

export function sloDefinition(name: SloName): SloDefinition {
  const definition = SLO_DEFINITIONS.find((candidate) => candidate.name === name);
  if (!definition) throw new Error(`unknown SLO ${name}`);
  return definition;
}

export function isSloName(value: string): value is SloName {
  return (SLO_NAMES as readonly string[]).includes(value);
}

/** `1234.5 ms` or `1.25 %`, as the log line, slo-status and the webhook say it. */
export function formatSloValue(unit: SloDefinition['unit'], value: number): string {
  return unit === 'ms' ? `${Math.round(value)} ms` : `${value.toFixed(2)} %`;
}
