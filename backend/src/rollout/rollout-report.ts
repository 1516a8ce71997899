import type { ValueSource } from './canary-rollout.js';
import type { PipelineSplit, RolloutDistribution } from './rollout-distribution.js';
import type { OverrideView, RolloutStatus } from './rollout-service.js';

const onOff = (value: boolean): string => (value ? 'on' : 'off');
const pctText = (value: number | null): string => (value === null ? '–' : `${value.toFixed(2)} %`);

function sourceText(source: ValueSource, envName: string, env: string | null, store: string | null): string {
  const parts = [`source: ${source}`];
  if (env !== null && source !== 'env') parts.push(`${envName}=${env} ignored`);
  if (store !== null && source !== 'store') parts.push(`stored ${store} overridden`);
  return `(${parts.join('; ')})`;
}

/** The status lines of `awf-override.ts --list` and `awf-rollout-set.ts --status`. */
export function formatRolloutStatus(status: RolloutStatus): string[] {
  const { effective } = status;
  const g = effective.globalEnabled;
  const p = effective.percent;
  const lines = [
    'rollout (as this process sees it)',
    `  emergency fallback  ${onOff(effective.emergencyFallback.value)}  (source: ${effective.emergencyFallback.source})`,
    `  legacy forced       ${onOff(effective.legacyTurnEnabled.value)}  (source: ${effective.legacyTurnEnabled.source})`,
    `  global flag         ${onOff(g.value)}  ${sourceText(g.source, 'AWF_BUNDLE_ON', g.env === null ? null : String(g.env), g.store === null ? null : onOff(g.store))}`,
    `  percent             ${p.value}  ${sourceText(p.source, 'AWF_PERCENT_ROLLOUT', p.env === null ? null : String(p.env), p.store === null ? null : String(p.store))}`,
    `  shadow              ${effective.shadowPercent.toFixed(2)} % of legacy-routed turns also run AWF unseen  (source: store)`,
    `  version             ${effective.version}${effective.updatedBy ? `  (last change by ${effective.updatedBy} at ${effective.updatedAt})` : ''}`,
  ];
  for (const warning of effective.warnings) lines.push(`  warning: ${warning}`);
  lines.push(...formatOverrides(status.overrides));
  return lines;
}

export function formatOverrides(overrides: readonly OverrideView[]): string[] {
  const active = overrides.filter((override) => override.state === 'active').length;
  const lines = [`overrides (${active} active, ${overrides.length - active} expired)`];
  if (overrides.length === 0) lines.push('  none');
  for (const o of overrides) {
    const expiry =
      o.expiresAt === null ? 'no expiry' : `${o.state === 'expired' ? 'EXPIRED' : 'expires'} ${o.expiresAt}`;
    const reason = o.reason ? `  reason: ${JSON.stringify(o.reason)}` : '';
    lines.push(
      `  ${o.kind.padEnd(7)} ${o.subjectId.padEnd(24)} ${(o.pipeline === 'awf' ? 'enable' : 'disable').padEnd(7)} ${expiry}  by ${o.createdBy} at ${o.createdAt}${reason}`,
    );
  }
  return lines;
}

export function formatDistribution(d: RolloutDistribution): string[] {
  const splitLines = (s: PipelineSplit, turnsNote = ''): string[] => [
    `    turns     awf ${s.turns.awf}  legacy ${s.turns.legacy}  awf share ${pctText(s.turns.awfPct)}${turnsNote}`,
    `    sessions  awf ${s.sessions.awf}  legacy ${s.sessions.legacy}  of ${s.sessions.total}  awf share ${pctText(s.sessions.awfPct)}`,
    `    users     awf ${s.users.awf}  legacy ${s.users.legacy}  of ${s.users.total}  awf share ${pctText(s.users.awfPct)}`,
  ];
  const reasonsLine = (byReason: PipelineSplit['byReason']): string[] => {
    const reasons = Object.entries(byReason);
    return reasons.length === 0
      ? []
      : [
          `    by reason ${reasons.map(([reason, counts]) => `${reason}: awf ${counts.awf} legacy ${counts.legacy}`).join('; ')}`,
        ];
  };
  const lines = [
    `distribution of stored turns since ${d.since} (target percent ${d.percent})`,
    '  routed: the pipeline the router chose (what the percentage decides; a turn that fell back counts as awf)',
    ...splitLines(d.routed),
    `    turns decided by the percentage: awf share ${pctText(d.routed.percentBucketTurns.awfPct)} (target ${d.percent} %)`,
    ...reasonsLine(d.routed.byReason),
    '  answered: the pipeline that produced the answer (a fallback counts as legacy)',
    ...splitLines(d.answered, `  (${d.answered.fallbacks} fell back from awf)`),
  ];
  lines.push('  active users by bucket (bucket range: users, routed to awf; expected)');
  for (const bin of d.histogram) {
    const range = `${String(bin.fromBucket).padStart(4)}–${String(bin.toBucket - 1).padStart(4)}`;
    lines.push(
      `    ${range}: ${String(bin.users).padStart(6)} ${String(bin.awfUsers).padStart(6)}  ${bin.expected}`,
    );
  }
  if (d.histogramTruncated) lines.push('  (histogram reads the first 100000 active users only)');
  return lines;
}
