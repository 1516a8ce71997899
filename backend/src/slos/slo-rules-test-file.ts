/**
 * The `promtool test rules` file for the generated rules: synthetic counter series at a chosen error
 * ratio, and what must (and must not) fire. Scenarios: a healthy series where nothing fires; per SLO a
 * fast burn (all three tiers fire, the other SLOs stay quiet) and a slow burn (only the ticket fires);
 * and a burst that has stopped, where the 1 h window still burns but the 5 m one does not, so the fast
 * alert stays quiet: both windows must burn.
 */

import type { SloThresholds } from './slo-definitions.js';
import {
  alertAnnotations,
  alertLabels,
  alertName,
  BURN_RATE_TIERS,
  type BurnRateTier,
  type SloRuleSpec,
  sloRuleSpecs,
} from './slo-rules.js';
import { METRIC_NAMES, thresholdBucketLabel } from './turn-metrics.js';

/** AWF turns per minute in every synthetic series. */
const TURNS_PER_MINUTE = 100;
/** Minutes of synthetic data (the windows' ratios need no more than the series holds). */
const SERIES_MINUTES = 150;

/** A piece of a series: `minutes` minutes at error ratio `ratio`. */
interface Segment {
  minutes: number;
  ratio: number;
}

type Ratios = Record<SloRuleSpec['slo'], Segment[]>;

/** The promtool test document (serialize with toYaml). */
export function buildSloRulesTest(thresholds: SloThresholds, ruleFile: string): Record<string, unknown> {
  const specs = sloRuleSpecs(thresholds);
  const healthy = (spec: SloRuleSpec): Segment[] => [{ minutes: SERIES_MINUTES, ratio: spec.budget / 2 }];
  const ratiosWith = (override: Partial<Ratios>): Ratios =>
    Object.fromEntries(specs.map((spec) => [spec.slo, override[spec.slo] ?? healthy(spec)])) as Ratios;
  const allAlerts = specs.flatMap((spec) => BURN_RATE_TIERS.map((tier) => ({ spec, tier })));
  const expect = (evalTime: string, firing: (spec: SloRuleSpec, tier: BurnRateTier) => boolean) =>
    allAlerts.map(({ spec, tier }) => ({
      eval_time: evalTime,
      alertname: alertName(spec, tier),
      exp_alerts: firing(spec, tier)
        ? [{ exp_labels: alertLabels(spec, tier), exp_annotations: alertAnnotations(spec, tier) }]
        : [],
    }));

  const tests: Array<Record<string, unknown>> = [];
  tests.push({
    name: 'healthy: every SLO at half its budget, nothing fires',
    interval: '1m',
    input_series: inputSeries(thresholds, ratiosWith({})),
    alert_rule_test: ['10m', '1h', '2h'].flatMap((at) => expect(at, () => false)),
  });
  for (const spec of specs) {
    const fast = Math.min(0.9, spec.budget * 20);
    tests.push({
      name: `${spec.slo}: fast burn (${round(fast / spec.budget)}x budget) fires every tier, other SLOs stay quiet`,
      interval: '1m',
      input_series: inputSeries(
        thresholds,
        ratiosWith({ [spec.slo]: [{ minutes: SERIES_MINUTES, ratio: fast }] }),
      ),
      alert_rule_test: expect('15m', (s) => s.slo === spec.slo),
    });
    tests.push({
      name: `${spec.slo}: slow burn (2x budget) opens a ticket only`,
      interval: '1m',
      input_series: inputSeries(
        thresholds,
        ratiosWith({ [spec.slo]: [{ minutes: SERIES_MINUTES, ratio: spec.budget * 2 }] }),
      ),
      alert_rule_test: expect('1h', (s, tier) => s.slo === spec.slo && tier.severity === 'ticket'),
    });
  }
  const fallback = specs.find((spec) => spec.slo === 'fallback_rate') as SloRuleSpec;
  tests.push({
    name: 'fallback_rate: a 55-minute burst: every tier fires during it; 7 minutes after it stopped 1h still burns but 5m does not, so the fast alert is quiet',
    interval: '1m',
    input_series: inputSeries(
      thresholds,
      ratiosWith({
        fallback_rate: [
          { minutes: 55, ratio: fallback.budget * 20 },
          { minutes: SERIES_MINUTES - 55, ratio: fallback.budget / 2 },
        ],
      }),
    ),
    alert_rule_test: [
      ...expect('50m', (s) => s.slo === 'fallback_rate'),
      ...expect(
        '62m',
        (s, tier) => s.slo === 'fallback_rate' && (tier.name === 'SustainedBurn' || tier.name === 'SlowBurn'),
      ),
    ],
  });
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests,
  };
}

/** Counter series for the three SLOs' metrics at the given per-minute error ratios. */
function inputSeries(thresholds: SloThresholds, ratios: Ratios): Array<{ series: string; values: string }> {
  const total = [{ minutes: SERIES_MINUTES, ratio: 1 }];
  const le = thresholdBucketLabel(thresholds.turnP95Ms);
  const withinThreshold = ratios.turn_latency_p95.map((segment) => ({
    ...segment,
    ratio: 1 - segment.ratio,
  }));
  return [
    { series: `${METRIC_NAMES.turns}{pipeline="awf"}`, values: counterValues(total) },
    { series: `${METRIC_NAMES.turnLatency}_count{pipeline="awf"}`, values: counterValues(total) },
    {
      series: `${METRIC_NAMES.turnLatency}_bucket{pipeline="awf",le="${le}"}`,
      values: counterValues(withinThreshold),
    },
    { series: METRIC_NAMES.invalidRetries, values: counterValues(ratios.invalid_retry_rate) },
    {
      series: `${METRIC_NAMES.fallbacks}{reason="invalid_output"}`,
      values: counterValues(ratios.fallback_rate),
    },
  ];
}

/** promtool's expanding notation: a counter growing TURNS_PER_MINUTE × ratio per minute, segment by segment. */
function counterValues(segments: readonly Segment[]): string {
  const parts: string[] = [];
  let value = 0;
  let first = true;
  for (const segment of segments) {
    const step = round(TURNS_PER_MINUTE * segment.ratio);
    // The first segment starts at 0 (one sample plus `minutes` steps); later ones continue one step on.
    const start = first ? 0 : round(value + step);
    const steps = first ? segment.minutes : segment.minutes - 1;
    parts.push(`${start}+${step}x${steps}`);
    value = round(start + step * steps);
    first = false;
  }
  return parts.join(' ');
}

function round(value: number): number {
  return Number(value.toPrecision(12));
}
