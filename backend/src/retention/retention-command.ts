import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, flagValue } from '../cli/cli-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import {
  assertRetentionDays,
  MAX_RETENTION_DAYS,
  MIN_SLO_RETENTION_DAYS,
  type PruneReport,
  type RetentionService,
  type RetentionStatus,
} from './retention-service.js';

const HELP = `Show, set and enforce the data-retention policy.

Usage:
  tsx backend/scripts/awf-retention.ts show [--json]
  tsx backend/scripts/awf-retention.ts set [--slo-days N] [--turn-days N|forever] [--actor <name>] [--json]
  tsx backend/scripts/awf-retention.ts prune [--dry-run] [--actor <name>] [--json]

  --slo-days N       SLO per-minute aggregates, SLO history and resolved alerts are kept N days
                     (${MIN_SLO_RETENTION_DAYS}–${MAX_RETENTION_DAYS}; the 7d SLO window needs seven)
  --turn-days N      turn records are kept N days (1–${MAX_RETENTION_DAYS}), or forever; sessions keep
                     their current state whatever their turns' age
  --dry-run          with prune: count what the policy expires now, delete nothing
  --actor NAME       who you are: must be the actor of AWF_ADMIN_TOKEN
  --json             print JSON instead of text
  --help             this text

While no policy is stored, SLO_RETENTION_DAYS (default 30) and AWF_TURN_RETENTION_DAYS (default:
forever) apply. The running server deletes expired rows every AWF_RETENTION_INTERVAL_SECONDS (default
3600), in batches, and logs and audits what it removed; prune does the same now. The audit log is never
deleted (repeated auth.denied entries are collapsed when written, not pruned).
The token comes from AWF_ADMIN_TOKEN: show and prune --dry-run need an admin or auditor, set and prune
an admin. Each set is one retention.set audit entry with the previous and new policy.
Exit codes: 0 done; 2 bad input, authentication, permission or rate limit (nothing changed);
3 the store could not be reached or another runtime failure.`;

const days = (what: 'sloDays' | 'turnDays', flag: string) =>
  flagValue((text): number | null => {
    if (what === 'turnDays' && text.trim() === 'forever') return null;
    if (!/^\d{1,6}$/.test(text.trim())) {
      const accepted = what === 'turnDays' ? 'a whole number of days or forever' : 'a whole number of days';
      throw new InvalidInputError(`${flag} must be ${accepted}, got ${JSON.stringify(text)}`);
    }
    const value = Number(text);
    try {
      assertRetentionDays(what, value);
    } catch (error) {
      throw new InvalidInputError(`${flag} ${(error as Error).message.replace(/^\w+ /, '')}`);
    }
    return value;
  });

const schema = z
  .object({
    positionals: z.array(z.string()),
    'slo-days': days('sloDays', '--slo-days').optional(),
    'turn-days': days('turnDays', '--turn-days').optional(),
    'dry-run': z.boolean().optional(),
    actor: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .transform((args, ctx) => {
    const [command, ...extra] = args.positionals;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (extra.length > 0) return fail(`unexpected argument ${JSON.stringify(extra[0])}`);
    const sets = args['slo-days'] !== undefined || args['turn-days'] !== undefined;
    const common = { actor: args.actor, json: args.json ?? false };
    switch (command) {
      case 'show':
        if (sets || args['dry-run']) return fail('show takes only --json and --actor');
        return { command, ...common } as const;
      case 'set':
        if (args['dry-run']) return fail('--dry-run belongs to prune');
        if (!sets) return fail('set needs --slo-days, --turn-days or both');
        return {
          command,
          sloDays: args['slo-days'] ?? undefined,
          turnDays: args['turn-days'],
          ...common,
        } as const;
      case 'prune':
        if (sets) return fail('prune takes only --dry-run, --json and --actor');
        return { command, dryRun: args['dry-run'] ?? false, ...common } as const;
      default:
        return fail(
          command
            ? `unknown command ${JSON.stringify(command)}: use show, set or prune`
            : 'give a command: show, set or prune',
        );
    }
  });

/** `tsx backend/scripts/awf-retention.ts` (the script is a thin entry point over this). */
export const retentionCommand: CliCommand<typeof schema, AdminDeps & { retention: RetentionService }> = {
  help: HELP,
  schema,
  allowPositionals: true,
  flags: {
    'slo-days': { type: 'string' },
    'turn-days': { type: 'string' },
    'dry-run': { type: 'boolean' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const { retention, caller } = cli.deps;
    switch (args.command) {
      case 'show': {
        const principal = await caller.authenticate('retention.read', args.actor);
        const status = await retention.status(principal);
        cli.out(args.json ? JSON.stringify(status, null, 2) : formatStatus(status).join('\n'));
        return 0;
      }
      case 'set': {
        const principal = await caller.authenticate('retention.manage', args.actor);
        const change = await retention.set(principal, {
          ...(args.sloDays !== undefined ? { sloDays: args.sloDays } : {}),
          ...(args.turnDays !== undefined ? { turnDays: args.turnDays } : {}),
        });
        cli.out(
          args.json
            ? JSON.stringify(change, null, 2)
            : `retention: SLO data ${daysText(change.previous.sloDays)} → ${daysText(change.new.sloDays)}, ` +
                `turns ${daysText(change.previous.turnDays)} → ${daysText(change.new.turnDays)} (audit #${change.auditSeq})`,
        );
        return 0;
      }
      case 'prune': {
        const principal = await caller.authenticate(
          args.dryRun ? 'retention.read' : 'retention.manage',
          args.actor,
        );
        const report = await retention.prune(principal, { dryRun: args.dryRun });
        cli.out(args.json ? JSON.stringify(report, null, 2) : formatPrune(report).join('\n'));
        return 0;
      }
    }
  },
};

const daysText = (value: number | null): string => (value === null ? 'forever' : `${value} days`);

function formatStatus(status: RetentionStatus): string[] {
  const source = (value: { source: string; variable: string }) =>
    value.source === 'store' ? 'stored policy' : `${value.variable} or its default; nothing stored`;
  return [
    'data retention',
    `  SLO aggregates, history, resolved alerts  ${daysText(status.sloDays.value)}  (${source(status.sloDays)})`,
    `  turn records                             ${daysText(status.turnDays.value)}  (${source(status.turnDays)})`,
    '  audit log                                forever (never deleted)',
    ...(status.updatedAt ? [`  last set by ${status.updatedBy} at ${status.updatedAt}`] : []),
  ];
}

function formatPrune(report: PruneReport): string[] {
  const { removed, cutoffs } = report;
  const verb = report.dryRun ? 'would remove' : 'removed';
  const sloBefore = new Date(cutoffs.sloBeforeMinute * 60_000).toISOString();
  return [
    `${report.dryRun ? 'dry run: ' : ''}${verb}`,
    `  ${removed.sloMinutes} SLO minute rows, ${removed.sloHistory} SLO history points, ${removed.sloAlerts} resolved alerts, ${removed.feedback} player ratings (before ${sloBefore})`,
    `  ${removed.turns} turn records (${cutoffs.turnsBefore ? `before ${cutoffs.turnsBefore}` : 'turns are kept forever'})`,
    ...(report.auditSeq !== undefined ? [`  recorded as audit #${report.auditSeq}`] : []),
  ];
}
