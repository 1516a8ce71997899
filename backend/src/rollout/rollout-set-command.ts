import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, flagValue } from '../cli/cli-runner.js';
import { parsePercent } from './canary-rollout.js';
import { formatRolloutStatus } from './rollout-report.js';
import type { RolloutService } from './rollout-service.js';

const HELP = `Set the canary rollout: the stored percentage and/or the stored global flag.

Usage:
  tsx backend/scripts/awf-rollout-set.ts --percent <0-100> [--actor <name>] [--json]
  tsx backend/scripts/awf-rollout-set.ts --global on|off [--actor <name>] [--json]
  tsx backend/scripts/awf-rollout-set.ts --global on --percent 5 [--actor <name>] [--json]
  tsx backend/scripts/awf-rollout-set.ts --percent 50 --force --reason "why" [--actor <name>]
  tsx backend/scripts/awf-rollout-set.ts --shadow <0-100> [--actor <name>] [--json]
  tsx backend/scripts/awf-rollout-set.ts --status [--json]

  --percent N      share of players on AWF: 0–100, at most two decimals (0.01 % steps)
  --global on|off  the stored global flag; AWF_BUNDLE_ON, when set in a process's environment,
                   overrides it for that process (the seed's rollback: export AWF_BUNDLE_ON=false)
  --force          raise even though a critical SLO alert is open (needs --reason; audited as forced)
  --reason TEXT    with --force: why (at most 500 characters), kept in the audit entry
  --shadow N       shadow rate: the share of legacy-routed turns (0–100, at most two decimals) on
                   which AWF also runs after the answer was sent, never shown (entry rollout.shadow.set)
  --status         the effective values with their sources (env / store / default), warnings, overrides
  --actor NAME     who you are: must be the actor of AWF_ADMIN_TOKEN
  --json           print JSON instead of text
  --help           this text

The token comes from AWF_ADMIN_TOKEN: changes need an operator or admin, --status any role. The store
is DATABASE_URL (PostgreSQL) or AWF_DB_PATH (SQLite, default ./data/awf.db); a running server applies
a change within a second. Each run is one change with one audit entry: --global with --percent
applies both or neither (entry rollout.set with both previous and new values).
Raising (a higher percentage, or the stored global flag on while the percentage is above 0) is
refused while a critical SLO alert is open (ROLLOUT_BLOCKED_BY_ALERT) unless --force --reason;
lowering and rolling back are always allowed.
Exit codes: 0 done; 2 bad input, authentication, permission, rate limit, or a raise refused by an
open critical alert (nothing changed);
3 the store could not be reached or another runtime failure.`;

const schema = z
  .object({
    percent: flagValue(parsePercent).optional(),
    global: z.enum(['on', 'off'], { error: 'takes on or off' }).optional(),
    status: z.boolean().optional(),
    force: z.boolean().optional(),
    reason: z.string().optional(),
    shadow: flagValue(parsePercent).optional(),
    actor: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .superRefine((args, ctx) => {
    const changes = args.percent !== undefined || args.global !== undefined;
    if (args.status && changes)
      ctx.addIssue({ code: 'custom', message: '--status only reads: drop --percent / --global' });
    if (args.shadow !== undefined && (args.status || changes))
      ctx.addIssue({
        code: 'custom',
        message: '--shadow is a change of its own: give it without --percent, --global or --status',
      });
    if (!args.status && !changes && args.shadow === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'nothing to do: give --percent, --global, --shadow or --status',
      });
    if (args.force && !args.reason?.trim())
      ctx.addIssue({ code: 'custom', path: ['force'], message: 'needs --reason "why"' });
    if (!args.force && args.reason !== undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'goes with --force' });
  });

/** `tsx backend/scripts/awf-rollout-set.ts` (the script is a thin entry point over this). */
export const rolloutSetCommand: CliCommand<typeof schema, AdminDeps & { rollout: RolloutService }> = {
  help: HELP,
  schema,
  flags: {
    percent: { type: 'string' },
    global: { type: 'string' },
    status: { type: 'boolean' },
    force: { type: 'boolean' },
    reason: { type: 'string' },
    shadow: { type: 'string' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const { rollout, caller } = cli.deps;
    if (args.status) {
      await caller.authenticate('rollout.read', args.actor);
      const status = await rollout.status();
      cli.out(args.json ? JSON.stringify(status, null, 2) : formatRolloutStatus(status).join('\n'));
      return 0;
    }
    const principal = await caller.authenticate('rollout.write', args.actor);
    if (args.shadow !== undefined) {
      const shadow = await rollout.setShadow(principal, args.shadow);
      cli.out(
        args.json
          ? JSON.stringify(shadow, null, 2)
          : `shadow rate ${shadow.previous} → ${shadow.new} % of legacy-routed turns (version ${shadow.version}, audit #${shadow.auditSeq})`,
      );
      return 0;
    }
    if (args.shadow !== undefined) {
      const shadow = await rollout.setShadow(principal, args.shadow);
      cli.out(
        args.json
          ? JSON.stringify(shadow, null, 2)
          : `shadow rate ${shadow.previous} → ${shadow.new} % of legacy-routed turns (version ${shadow.version}, audit #${shadow.auditSeq})`,
      );
      return 0;
    }
    // Both options are one change: one transaction, one rate-limit check, one audit entry.
    const change = await rollout.setRollout(principal, {
      globalEnabled: args.global === undefined ? undefined : args.global === 'on',
      percent: args.percent,
      force: args.force,
      reason: args.reason,
    });
    if (!args.json) {
      const parts: string[] = [];
      if (args.global !== undefined) {
        const before = change.previous.globalEnabled;
        parts.push(`global flag ${before === null ? 'unset' : before ? 'on' : 'off'} → ${args.global}`);
      }
      if (args.percent !== undefined) {
        parts.push(`rollout percent ${change.previous.percent ?? 'unset'} → ${change.new.percent}`);
      }
      cli.out(`${parts.join(', ')} (version ${change.version}, audit #${change.auditSeq})`);
    }
    if (change.forced) {
      cli.note(
        `warning: forced past open critical SLO alert(s) ${change.forced.alertIds.join(', ')}; audited as forced`,
      );
    }
    const { effective } = await rollout.status();
    if (args.json) cli.out(JSON.stringify({ ...change, effective }, null, 2));
    for (const warning of effective.warnings) cli.note(`warning: ${warning}`);
    if (!effective.globalEnabled.value && effective.percent.value > 0) {
      cli.note(
        `note: the global flag is off (${effective.globalEnabled.source}), so the percentage routes nobody to AWF until it is on`,
      );
    }
    return 0;
  },
};
