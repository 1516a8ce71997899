/**
 * The three AWF SLOs of the seed ("SLO Monitoring and Alerting"), their severities ("Alerting
 * Thresholds"), their suggested actions ("Suggested Actions" and "Troubleshooting"), and the windows
 * they are judged over. Everything else (evaluation, alerts, Prometheus rules, slo-status) reads these.
 */

export type SloName = 'turn_latency_p95' | 'invalid_retry_rate' | 'fallback_rate';

/** Judged and alerted like an SLO, but not one of the seed's three (no Prometheus burn-rate rules). */
export type GuardrailName = 'feedback_down_delta';

/** The three SLOs judged over shadow runs (issue 11): always warnings, since no player saw them. */
export type ShadowSloName = `shadow_${SloName}`;

/** What an alert, a history point or a judged result may be about. */
export type AlertName = SloName | GuardrailName | ShadowSloName;

/** ms for latency, % for rates, pp (percentage points) for a difference of two rates. */
export type AlertUnit = 'ms' | '%' | 'pp';

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
  /**
   * SLO_FEEDBACK_DOWN_DELTA, percentage points: alert when AWF's down-rate exceeds legacy's by more than
   * this with 95 % confidence; undefined: the feedback signal is informational.
   */
  feedbackDownDeltaPp?: number | undefined;
}

/** What alerting needs to know of an SLO or guardrail. */
export interface AlertDefinition {
  name: AlertName;
  /** For people: `turn latency p95`. */
  title: string;
  severity: SloSeverity;
  unit: AlertUnit;
  /** The env var that sets the threshold. */
  thresholdEnv: string;
  /** The remediation steps, in order. */
  suggestedActions: readonly string[];
}

export interface SloDefinition extends AlertDefinition {
  name: SloName;
  unit: 'ms' | '%';
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

/**
 * The player-feedback guardrail (DESIGN §9): its value is the lower end of the 95 % interval of the
 * AWF − legacy down-rate, so it is violated only when AWF is worse by more than the threshold with 95 %
 * confidence. Active only when SLO_FEEDBACK_DOWN_DELTA is set.
 */
export const FEEDBACK_GUARDRAIL: AlertDefinition = {
  name: 'feedback_down_delta',
  title: 'feedback down-rate AWF - legacy (95 % lower bound)',
  severity: 'warning',
  unit: 'pp',
  thresholdEnv: 'SLO_FEEDBACK_DOWN_DELTA',
  suggestedActions: [
    'Read the down ratings and their comments (tsx backend/scripts/awf-feedback.ts --recent --pipeline awf --rating down)',
    'Check model output quality on the reasons players give (incoherent, wrong_state, offensive)',
    'Run the golden tests against the current content (npm run awf:golden:test)',
    'Consider reducing rollout percentage (tsx backend/scripts/awf-rollout-set.ts --percent <lower> --actor <you>)',
  ],
};

/** What to do about a shadow SLO: nobody is affected, so the actions are about the next rollout step. */
const SHADOW_ACTIONS: Record<SloName, readonly string[]> = {
  turn_latency_p95: [
    'No player is affected: shadow runs start after the legacy answer was sent',
    'Hold the rollout percentage until shadow latency is within threshold (do not raise it)',
    'Check the AWF model provider health and latency (AWF_MODEL_*)',
    "Review bundle size and token counts (slo-status shows the shadow runs' bundle bytes and tokens)",
    'Lower the shadow rate if the AWF provider is overloaded (tsx backend/scripts/awf-rollout-set.ts --shadow <lower> --actor <you>)',
  ],
  invalid_retry_rate: [
    'No player is affected: shadow answers are never shown',
    'Hold the rollout percentage until the shadow retry rate is within threshold (do not raise it)',
    'Review validator rules and check model output quality',
    'Adjust model temperature (AWF_MODEL_TEMPERATURE)',
    'Review input bundle structure',
  ],
  fallback_rate: [
    'No player is affected: shadow answers are never shown',
    'Do not raise the rollout: at this rate AWF players would get legacy answers',
    'Investigate consecutive validation failures and check model provider health',
    'Run the golden tests against the current content (npm run awf:golden:test)',
    'Review SLO thresholds',
  ],
};

/**
 * The SLOs judged over shadow runs (pipeline awf_shadow): the same values and thresholds as the AWF
 * SLOs, severity warning (nobody is affected), and their own suggested actions.
 */
export const SHADOW_SLO_DEFINITIONS: readonly (AlertDefinition & {
  name: ShadowSloName;
  slo: SloName;
  unit: 'ms' | '%';
  threshold(thresholds: SloThresholds): number;
})[] = SLO_DEFINITIONS.map((definition) => ({
  name: `shadow_${definition.name}` as const,
  slo: definition.name,
  title: `shadow ${definition.title}`,
  severity: 'warning' as const,
  unit: definition.unit,
  thresholdEnv: definition.thresholdEnv,
  threshold: definition.threshold,
  suggestedActions: SHADOW_ACTIONS[definition.name],
}));

export function isShadowSloName(value: string): value is ShadowSloName {
  return SHADOW_SLO_DEFINITIONS.some((definition) => definition.name === value);
}

export const SLO_NAMES: readonly SloName[] = SLO_DEFINITIONS.map((definition) => definition.name);

export function sloDefinition(name: SloName): SloDefinition {
  const definition = SLO_DEFINITIONS.find((candidate) => candidate.name === name);
  if (!definition) throw new Error(`unknown SLO ${name}`);
  return definition;
}

/** An SLO's or the guardrail's definition. */
export function alertDefinition(name: AlertName): AlertDefinition {
  if (name === 'feedback_down_delta') return FEEDBACK_GUARDRAIL;
  const shadow = SHADOW_SLO_DEFINITIONS.find((definition) => definition.name === name);
  return shadow ?? sloDefinition(name as SloName);
}

export function isSloName(value: string): value is SloName {
  return (SLO_NAMES as readonly string[]).includes(value);
}

/** `1234.5 ms`, `1.25 %` or `0.80 pp`, as the log line, slo-status and the webhook say it. */
export function formatSloValue(unit: AlertUnit, value: number): string {
  if (unit === 'ms') return `${Math.round(value)} ms`;
  return `${value.toFixed(2)} ${unit}`;
}
