import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { EXIT } from '../cli/cli-errors.js';
import type { CliCommand } from '../cli/cli-runner.js';
import { sampleNoun } from './alert-delivery.js';
import type {
  FeedbackSignal,
  OpenSloAlert,
  PipelineFeedback,
  RolloutTraffic,
  SloReport,
  SloResult,
  SloService,
} from './awf-slos.js';
import { formatSloValue, SLO_WINDOWS, type SloWindow } from './slo-definitions.js';

/** Exit codes of slo-status: a deploy pipeline gates on them. An open alert fails the gate like a violation. */
export const SLO_STATUS_EXIT = {
  healthy: EXIT.ok,
  rolled_back: EXIT.ok,
  violated: EXIT.negative,
  alerting: EXIT.negative,
  usage: EXIT.usage,
  unknown: EXIT.runtime,
} as const;

export const SLO_STATUS_USAGE = `Usage: tsx backend/scripts/slo-status.ts [--window 5m|1h|24h|7d] [--json] [--help]

Prints each AWF SLO over the window (all instances merged): value, threshold, state
(ok / warning / critical / not enough data), sample size, the legacy pipeline for comparison,
the alerts firing with their suggested actions, and the rollout: whether it routes anybody to AWF
and the AWF turns since the last rollout change. Shadow runs (AWF on legacy-routed turns, never
shown) are shown beside them with their own SLOs, agreement and spend; they are warnings only and
never change the exit code.

  --window <w>  5m, 1h, 24h or 7d (default: SLO_EVALUATION_WINDOW, 5m)
  --json        print the report as one JSON object instead of the table
  --help, -h    print this help

Needs AWF_ADMIN_TOKEN of a role allowed to read SLO data (slo.read: viewer, operator, admin, auditor).

Exit codes:
  0  every SLO holds (or has too few turns to judge) and no alert is open
  0  rolled back: SLOs violated only by turns from before a rollback the evaluator confirmed (it
     resolved the alert as rolled_back), no alert open, and the rollout still routes nobody to AWF
     ("Result: rolled back: …", JSON "status": "rolled_back")
  1  an SLO is violated, or an alert is open (the server's evaluator fired it and has not resolved it,
     e.g. it judges with a smaller SLO_MIN_SAMPLE or another window); the Result line says which
  2  a flag is unknown, repeated or malformed, or the token is missing or not allowed
  3  the status could not be read (the store is unreachable, or another runtime failure): not a verdict`;

/** The one schema the command line is parsed through. */
const argsSchema = z.object({
  window: z
    .enum(SLO_WINDOWS, {
      error: (issue) => `must be one of ${SLO_WINDOWS.join(', ')} (got ${JSON.stringify(issue.input)})`,
    })
    .optional(),
  json: z.boolean().default(false),
});

export type SloStatusArgs = z.infer<typeof argsSchema>;

/** What slo-status reads: the SLO report, the configured default window, and the caller's token. */
export interface SloStatusDeps extends AdminDeps {
  slos: Pick<SloService, 'status'>;
  config: { sloMonitoring: { evaluationWindow: SloWindow } };
}

/**
 * `tsx backend/scripts/slo-status.ts`: authenticate (slo.read), read the report over the window,
 * print it, and return 0 or 1 (SLO_STATUS_EXIT); the runner answers usage errors (2) before the
 * store is opened, and a report that cannot be read (3) is never mistaken for a verdict.
 */
export const sloStatusCommand: CliCommand<typeof argsSchema, SloStatusDeps> = {
  help: SLO_STATUS_USAGE,
  flags: { window: { type: 'string' }, json: { type: 'boolean' } },
  schema: argsSchema,
  async run(args, cli) {
    const { slos, caller, config } = cli.deps;
    await caller.authenticate('slo.read');
    const report = await slos.status(args.window ?? config.sloMonitoring.evaluationWindow);
    const document = sloStatusDocument(report);
    cli.stdout.write(args.json ? `${JSON.stringify(document, null, 2)}\n` : formatSloReport(report));
    return SLO_STATUS_EXIT[document.status === 'ok' ? 'healthy' : document.status];
  },
};

/** `slo-status --json`'s object, also the body of GET /api/admin/slo: the verdict and the report. */
export function sloStatusDocument(report: SloReport): SloStatusVerdict & SloReport {
  const verdict = sloStatusVerdict(report);
  return { status: verdict.status, result: verdict.result, ...report };
}

/** What slo-status concludes: the gate's status and the sentence of its Result line. */
export interface SloStatusVerdict {
  /**
   * violated: an SLO is violated over the window; alerting: none is, but an alert is open;
   * rolled_back: violated, but the rollout now routes nobody to AWF and no alert is open (exit 0).
   */
  status: 'ok' | 'violated' | 'alerting' | 'rolled_back';
  result: string;
}

/**
 * The gate fails while an SLO is violated over the window and also while any alert is open: the
 * evaluator that fired it may judge another window or a smaller minimum sample, and an alert it has
 * not resolved means the outage it saw is not known to be over.
 */
export function sloStatusVerdict(report: SloReport): SloStatusVerdict {
  const failing = report.slos.filter((slo) => slo.state === 'warning' || slo.state === 'critical');
  const unjudged = report.slos.filter((slo) => slo.state === 'insufficient_data');
  // Rolled back: the evaluator resolved an alert as rolled_back (it saw nobody routed to AWF), none is
  // open, and the rollout still routes nobody to AWF as this process sees it. Both, so a gate process
  // without the servers' AWF_BUNDLE_ON / AWF_PERCENT_ROLLOUT cannot pass on its own view alone.
  const rollout = report.rollout;
  if (
    failing.length > 0 &&
    report.alerts.length === 0 &&
    (report.rolledBack?.length ?? 0) > 0 &&
    rollout?.routesNobodyToAwf === true
  ) {
    return {
      status: 'rolled_back',
      result: `rolled back: the rollout routes nobody to AWF (${rollout.why}, version ${rollout.version}${rollout.changedAt ? ` since ${rollout.changedAt}` : ''}), ${rollout.awfTurnsSinceChange} AWF turns since; alert resolved as rolled_back: ${(report.rolledBack ?? []).map((alert) => `${alert.slo} at ${alert.resolvedAt}`).join(', ')}; violated over ${report.window} by the turns before it: ${failing.map((slo) => `${slo.title} (${slo.state})`).join(', ')}`,
    };
  }
  if (failing.length > 0) {
    const violated = `violated: ${failing.map((slo) => `${slo.title} (${slo.state})`).join(', ')}`;
    const alerts = report.alerts.map((alert) => `${alert.title} (${alert.severity})`).join(', ');
    return { status: 'violated', result: alerts === '' ? violated : `${violated}; alert firing: ${alerts}` };
  }
  const notJudged =
    unjudged.length === 0
      ? ''
      : `${unjudged.length} not judged (fewer than ${unjudged[0]?.minSample ?? 0} AWF turns in the window)`;
  if (report.alerts.length > 0) {
    const alerts = report.alerts
      .map((alert) => `${alert.title} (${alert.severity}) since ${alert.firedAt}`)
      .join(', ');
    const judged = `no SLO violated over ${report.window}${notJudged === '' ? '' : `, ${notJudged}`}`;
    return {
      status: 'alerting',
      result: `alert firing: ${alerts}; ${judged}; failing until the alert resolves`,
    };
  }
  if (notJudged !== '') return { status: 'ok', result: `no SLO violated; ${notJudged}` };
  return { status: 'ok', result: 'every SLO holds' };
}

const STATE_LABEL: Record<SloResult['state'], string> = {
  ok: 'ok',
  warning: 'warning',
  critical: 'critical',
  insufficient_data: 'not enough data',
};

/** The human table: one row per SLO, legacy for comparison, history, then alerts with actions. */
export function formatSloReport(report: SloReport): string {
  const lines: string[] = [];
  const instances = report.instances.length;
  lines.push(
    `AWF SLO status, window ${report.window} (${report.from} to ${report.to}), ${instances} instance${instances === 1 ? '' : 's'} reporting`,
  );
  lines.push('');
  const rows = [
    ['SLO', 'VALUE', 'LOWER BOUND', 'THRESHOLD', 'STATE', 'SAMPLE'],
    ...report.slos.map((slo) => [
      slo.title,
      slo.value === null ? '-' : formatSloValue(slo.unit, slo.value),
      lowerBoundCell(slo),
      formatSloValue(slo.unit, slo.threshold),
      slo.state === 'insufficient_data'
        ? `${STATE_LABEL[slo.state]} (< ${slo.minSample} turns)`
        : STATE_LABEL[slo.state],
      `${slo.sample} ${sampleNoun(slo.unit)}`,
    ]),
  ];
  lines.push(...table(rows));
  lines.push(...unconfirmedLines(report.slos, report.window));
  lines.push('');
  const { legacy, awf } = report;
  const p95 = (value: number | null) => (value === null ? '-' : formatSloValue('ms', value));
  lines.push(
    `Compare: AWF ${awf.turns} turns, latency p50 ${p95(awf.latencyP50Ms)}, p95 ${p95(awf.latencyP95Ms)}, ` +
      `fallbacks ${awf.fallbacks}${fallbackReasons(awf.fallbackReasons)}, failed ${awf.failures}; ` +
      `legacy ${legacy.turns} turns, latency p50 ${p95(legacy.latencyP50Ms)}, p95 ${p95(legacy.latencyP95Ms)}, failed ${legacy.failures}`,
  );
  lines.push(...feedbackLines(report.feedback));
  lines.push(...shadowLines(report));
  const recorded = Math.max(0, ...report.history.map((history) => history.minutes));
  const violated = report.history.map((history) => `${history.slo} ${history.violatedMinutes}`).join(', ');
  lines.push(`History: ${recorded} evaluated minutes in this window; violated minutes: ${violated}`);
  if (report.rollout) lines.push(rolloutLine(report.rollout));

  const alerted = new Set(report.alerts.map((alert) => alert.slo));
  const unalerted = report.slos.filter(
    (slo) => (slo.state === 'warning' || slo.state === 'critical') && !alerted.has(slo.slo),
  );
  for (const slo of unalerted) {
    lines.push('');
    lines.push(
      `Violated over ${report.window}: [${slo.state}] ${slo.title} ${formatSloValue(slo.unit, slo.value ?? 0)}, ${slo.confidence} % lower bound ${formatSloValue(slo.unit, slo.lowerBound ?? 0)} > ${formatSloValue(slo.unit, slo.threshold)}`,
    );
    lines.push(...actionLines(slo.suggestedActions));
  }
  lines.push('');
  lines.push(report.alerts.length === 0 ? 'Alerts firing: none' : `Alerts firing: ${report.alerts.length}`);
  for (const alert of report.alerts) lines.push(...alertLines(alert));
  lines.push('');
  lines.push(`Result: ${sloStatusVerdict(report).result}`);
  return `${lines.join('\n')}\n`;
}

/** The one-sided lower bound an SLO is judged on, with its confidence: `0.60 % (99.9 %)`. */
function lowerBoundCell(slo: SloResult): string {
  return slo.lowerBound === null ? '-' : `${formatSloValue(slo.unit, slo.lowerBound)} (${slo.confidence} %)`;
}

/**
 * SLOs whose point value is above the threshold but whose lower bound is not: on this few turns the
 * excess may be chance, so nothing is violated and no alert fires; say so, with the numbers.
 */
function unconfirmedLines(slos: readonly SloResult[], window: SloWindow): string[] {
  return slos
    .filter(
      (slo) =>
        slo.state === 'ok' && slo.value !== null && slo.lowerBound !== null && slo.value > slo.threshold,
    )
    .map(
      (slo) =>
        `Not violated: ${slo.title} ${formatSloValue(slo.unit, slo.value ?? 0)} is above ${formatSloValue(slo.unit, slo.threshold)} over ${window}, but on ${slo.sample} ${sampleNoun(slo.unit, slo.slo)} its ${slo.confidence} % lower bound ${formatSloValue(slo.unit, slo.lowerBound ?? 0)} is not (SLO_ALERT_CONFIDENCE)`,
    );
}

/** Where the rollout stands and the AWF turns since its last change (the figure a rollback is confirmed by). */
function rolloutLine(rollout: RolloutTraffic): string {
  const change =
    rollout.changedAt === null
      ? `version ${rollout.version}, never changed`
      : `version ${rollout.version} by ${rollout.changedBy ?? 'unknown'} at ${rollout.changedAt}`;
  return `Rollout: ${rollout.routesNobodyToAwf ? 'routes nobody to AWF' : 'routes to AWF'} (${rollout.why}; ${change}); AWF turns since the last rollout change: ${rollout.awfTurnsSinceChange}`;
}

/**
 * Shadow runs (issue 11) beside AWF and legacy: outcomes, agreement with the served answer, spend,
 * drops, the three SLOs over them and their alerts. Warnings only: they never change the Result.
 */
function shadowLines(report: SloReport): string[] {
  const shadow = report.shadow;
  if (!shadow) return [];
  const ms = (value: number | null) => (value === null ? '-' : formatSloValue('ms', value));
  const pct = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)} %`);
  const lines = [
    'Shadow (AWF on sampled legacy-routed turns, after the answer, never shown):',
    `  ${shadow.turns} runs: valid first time ${shadow.validFirst}, after retry ${shadow.validAfterRetry}, would have fallen back ${shadow.wouldFallBack}${fallbackReasons(shadow.fallbackReasons)}; latency p50 ${ms(shadow.latencyP50Ms)}, p95 ${ms(shadow.latencyP95Ms)}`,
    `  agreement with the served answer (${shadow.compared} compared): same scene ${pct(shadow.sameScenePct)}, same scene change ${pct(shadow.sameSceneChangePct)}, same acts ${pct(shadow.sameActsPct)}, choice overlap ${pct(shadow.choiceOverlapPct)}`,
    `  spend: ${shadow.tokens.in} tokens in, ${shadow.tokens.out} out on the AWF provider; bundle ${shadow.bundleBytesAvg === null ? '-' : `${Math.round(shadow.bundleBytesAvg)} bytes`} on average; dropped ${shadow.dropped}${fallbackReasons(shadow.dropReasons)}`,
  ];
  const results = report.shadowSlos ?? [];
  if (results.length > 0) {
    lines.push('  shadow SLOs (warnings: no player affected; not part of the Result):');
    const rows = [
      ['SLO', 'VALUE', 'LOWER BOUND', 'THRESHOLD', 'STATE', 'SAMPLE'],
      ...results.map((slo) => [
        slo.title,
        slo.value === null ? '-' : formatSloValue(slo.unit, slo.value),
        lowerBoundCell(slo),
        formatSloValue(slo.unit, slo.threshold),
        slo.state === 'insufficient_data'
          ? `${STATE_LABEL[slo.state]} (< ${slo.minSample} runs)`
          : STATE_LABEL[slo.state],
        `${slo.sample} shadow runs`,
      ]),
    ];
    lines.push(...table(rows).map((row) => `    ${row}`));
  }
  const alerts = report.shadowAlerts ?? [];
  lines.push(`  shadow alerts firing: ${alerts.length === 0 ? 'none' : alerts.length}`);
  for (const alert of alerts) lines.push(...alertLines(alert).map((line) => `  ${line}`));
  return lines;
}

function alertLines(alert: OpenSloAlert): string[] {
  return [
    `  [${alert.severity}] ${alert.title} since ${alert.firedAt}: fired at ${formatSloValue(alert.unit, alert.firedValue)} > ${formatSloValue(alert.unit, alert.threshold)} (window ${alert.window}, ${alert.firedSample} ${sampleNoun(alert.unit, alert.slo)}, by ${alert.firedBy})`,
    ...actionLines(alert.suggestedActions),
  ];
}

/** The player-feedback signal: each pipeline's down-rate with its sample, and AWF − legacy with its interval. */
function feedbackLines(signal: FeedbackSignal): string[] {
  const fixed = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
  const pipeline = (name: string, feedback: PipelineFeedback) => {
    const ci = feedback.downRateCi95Pct;
    const reasons = fallbackReasons(feedback.downReasons);
    return (
      `  ${name.padEnd(6)} ${feedback.answeredTurns} answered turns, ${feedback.ratings} ratings (${feedback.down} down${reasons}, ${feedback.up} up): ` +
      `${fixed(feedback.downPer1000Turns, 1)} down per 1000 turns = ${fixed(feedback.downRatePct, 2)} %` +
      `${ci ? ` [95 % ${ci.low.toFixed(2)}, ${ci.high.toFixed(2)}]` : ''}, ${fixed(feedback.downShareOfRatingsPct, 1)} % of ratings down`
    );
  };
  const { difference } = signal;
  const ci = difference.ci95Pp;
  const delta =
    difference.deltaPp === null
      ? '- (needs answered turns on both pipelines)'
      : `${difference.deltaPp >= 0 ? '+' : ''}${difference.deltaPp.toFixed(2)} pp, 95 % CI [${ci?.low.toFixed(2)}, ${ci?.high.toFixed(2)}] (Newcombe/Wilson, ${difference.awfTurns} vs ${difference.legacyTurns} answered turns)`;
  const guardrail =
    signal.guardrailPp === null
      ? 'informational (SLO_FEEDBACK_DOWN_DELTA unset)'
      : `guardrail: alert when the lower bound exceeds ${signal.guardrailPp} pp (SLO_FEEDBACK_DOWN_DELTA)`;
  return [
    'Feedback (down ratings per answered turn; a fallback was answered by legacy):',
    pipeline('AWF', signal.awf),
    pipeline('legacy', signal.legacy),
    `  AWF - legacy: ${delta}; ${guardrail}`,
  ];
}

function actionLines(actions: readonly string[]): string[] {
  return ['    Suggested actions:', ...actions.map((action, i) => `      ${i + 1}. ${action}`)];
}

function fallbackReasons(reasons: Record<string, number>): string {
  const entries = Object.entries(reasons).filter(([, count]) => count > 0);
  return entries.length === 0
    ? ''
    : ` (${entries.map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
}

function table(rows: readonly string[][]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
