import type { EffectiveRollout, RolloutEnvironment, ValueSource } from './canary-rollout.js';
import type { PipelineSplit, RolloutDistribution } from './rollout-distribution.js';
import type { AwfTraffic, ClearAllResult, OverrideView, RolloutStatus } from './rollout-service.js';

const onOff = (value: boolean): string => (value ? 'on' : 'off');
const pctText = (value: number | null): string => (value === null ? '–' : `${value.toFixed(2)} %`);

function sourceText(source: ValueSource, envName: string, env: string | null, store: string | null): string {
  const parts = [`source: ${source}`];
  if (env !== null && source !== 'env') parts.push(`${envName}=${env} ignored`);
  if (store !== null && source !== 'store') parts.push(`stored ${store} overridden`);
  return `(${parts.join('; ')})`;
}

/**
 * The server's one start-up line: the effective routing state, each value with its source and, where
 * set, the other side (env / store), e.g. `routing: emergency fallback off (default), legacy forced off
 * (default), global flag on (env; stored off), percent 25 (store; env 5 ignored), version 7`.
 */
export function formatRoutingLine(effective: EffectiveRollout): string {
  const g = effective.globalEnabled;
  const p = effective.percent;
  const other = (source: ValueSource, env: string | null, store: string | null): string => {
    const parts: string[] = [source];
    if (source !== 'store' && store !== null) parts.push(`stored ${store}`);
    if (source !== 'env' && env !== null) parts.push(`env ${env} ignored`);
    return parts.join('; ');
  };
  return [
    `routing: emergency fallback ${onOff(effective.emergencyFallback.value)} (${effective.emergencyFallback.source})`,
    `legacy forced ${onOff(effective.legacyTurnEnabled.value)} (${effective.legacyTurnEnabled.source})`,
    `global flag ${onOff(g.value)} (${other(g.source, g.env === null ? null : onOff(g.env), g.store === null ? null : onOff(g.store))})`,
    `percent ${p.value} (${other(p.source, p.env === null ? null : String(p.env), p.store === null ? null : String(p.store))})`,
    `version ${effective.version}`,
  ].join(', ');
}

/**
 * What a script says when AWF_BUNDLE_ON or AWF_PERCENT_ROLLOUT is in its own environment: the variable
 * changes only processes started later from that shell, never a running server, and the live command.
 */
export function scriptEnvironmentNotes(
  env: Pick<RolloutEnvironment, 'envGlobalFlag' | 'envPercent'>,
): string[] {
  const notes: string[] = [];
  if (env.envGlobalFlag !== undefined) {
    notes.push(
      `note: AWF_BUNDLE_ON=${env.envGlobalFlag} is set in this script's environment: it changes only processes started later with it (a restarted server); running servers do not see it. For every running server: npx tsx backend/scripts/awf-rollout-set.ts --global ${onOff(env.envGlobalFlag)} --actor <you>`,
    );
  }
  if (env.envPercent !== undefined) {
    notes.push(
      `note: AWF_PERCENT_ROLLOUT=${env.envPercent} is set in this script's environment: running servers do not see it (and a stored percentage always wins over it). For every running server: npx tsx backend/scripts/awf-rollout-set.ts --percent ${env.envPercent} --actor <you>`,
    );
  }
  return notes;
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

/** `--list`'s line on what the rollout lets through to AWF and the AWF turns since its last change. */
export function formatAwfTraffic(traffic: AwfTraffic): string[] {
  const since =
    traffic.changedAt === null
      ? 'ever (no change stored)'
      : `version ${traffic.version} at ${traffic.changedAt}`;
  return [
    `AWF turns since the last rollout change (${since}): ${traffic.awfTurnsSinceChange}; ${traffic.routesNobodyToAwf ? 'routes nobody to AWF' : 'routes to AWF'} (${traffic.why})`,
  ];
}

/** The text of `awf-override.ts --clear-all`: what was removed by kind, and where the released players land. */
export function formatClearAll(result: ClearAllResult): string[] {
  const { removed, released } = result;
  const scope = result.only === null ? '' : ` (only ${result.only} overrides; ${result.kept} kept)`;
  const landing = (kind: 'user' | 'session') => {
    const r = released[kind];
    const held =
      r.awfFromDisable > 0 ? `, ${r.awfFromDisable} of them held on legacy by a removed disable` : '';
    return `${r.total} ${kind}(s) released, ${r.awf} now on awf${held}`;
  };
  return [
    `cleared ${result.previous.length} override(s)${scope} (version ${result.version}, audit #${result.auditSeq})`,
    `  removed   user: ${removed.user.enable} enable, ${removed.user.disable} disable; session: ${removed.session.enable} enable, ${removed.session.disable} disable`,
    `  now       ${landing('user')}; ${landing('session')} (at the state right after the clear, as this process sees it)`,
  ];
}
