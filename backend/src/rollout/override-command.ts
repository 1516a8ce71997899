import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, checkedFlag } from '../cli/cli-runner.js';
import { parseIsoInstant, parseSince, parseTtl, resolveExpiry } from '../shared/time-input.js';
import { formatExplanation } from './rollout-explain.js';
import {
  formatAwfTraffic,
  formatClearAll,
  formatDistribution,
  formatRolloutStatus,
} from './rollout-report.js';
import type { RolloutService } from './rollout-service.js';

const HELP = `Per-user and per-session overrides of the canary rollout, and the rollout status.

Usage:
  tsx backend/scripts/awf-override.ts --user <id> | --session <id>  --enable | --disable
        [--ttl 24h | --expires-at ISO] [--reason TEXT] [--actor NAME]
  tsx backend/scripts/awf-override.ts --user <id> | --session <id>  --clear [--actor NAME]
  tsx backend/scripts/awf-override.ts --clear-all [--only enable|disable] [--actor NAME]
  tsx backend/scripts/awf-override.ts --list [--since 24h] [--json]
  tsx backend/scripts/awf-override.ts --explain --user <id> [--session <id>] [--json]   (or --session alone)

  --user ID          the override's subject: a user id (all of the user's sessions)
  --session ID       the override's subject: one session (wins over a user override)
  --enable           route the subject to AWF, whatever the percentage and global flag say
  --disable          route the subject to legacy
  --ttl D            the override expires after D (90s, 15m, 24h, 7d); default: no expiry
  --expires-at ISO   the override expires at that instant, e.g. 2026-07-01T00:00:00Z
  --reason TEXT      why (kept with the override and in the audit entry)
  --clear            remove the subject's override
  --clear-all        remove every override. It lifts --disable overrides too, so it can move players
                     ONTO AWF: it prints what it removed by kind and how many released users and
                     sessions now land on AWF. In an emergency rollback use --only enable
  --only WHAT        with --clear-all: remove only the enable (AWF) or only the disable (legacy) ones
  --explain          why the subject gets its pipeline: bucket, threshold, overrides (with expiry),
                     switches, global flag, the reason and the pipeline (give --user and/or --session;
                     a session decides with its stored user)
  --list             the rollout status (effective values and sources, warnings), every override
                     (expired ones marked), and the distribution of stored turns since --since
  --since D|ISO      with --list: the distribution window (default 24h)
  --actor NAME       who you are: must be the actor of AWF_ADMIN_TOKEN
  --json             print JSON instead of text
  --help             this text

The token comes from AWF_ADMIN_TOKEN: changes need an operator or admin, --list any role.
EMERGENCY_FALLBACK and LEGACY_TURN_ENABLED still win over overrides. A running server applies a change
within a second; each change writes one audit entry.
Exit codes: 0 done; 2 bad input, authentication, permission or rate limit (nothing changed);
3 the store could not be reached or another runtime failure.`;

const schema = z
  .object({
    user: z.string().min(1, 'needs an id').optional(),
    session: z.string().min(1, 'needs an id').optional(),
    enable: z.boolean().optional(),
    disable: z.boolean().optional(),
    ttl: checkedFlag((text) => parseTtl(text)).optional(),
    'expires-at': checkedFlag((text) => parseIsoInstant(text, '--expires-at')).optional(),
    reason: z.string().optional(),
    clear: z.boolean().optional(),
    'clear-all': z.boolean().optional(),
    only: z.enum(['enable', 'disable'], { error: 'takes enable or disable' }).optional(),
    explain: z.boolean().optional(),
    list: z.boolean().optional(),
    since: checkedFlag((text) => parseSince(text, new Date())).optional(),
    actor: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .transform((args, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const setting = args.enable === true || args.disable === true;
    const modes = [
      setting,
      args.clear === true,
      args['clear-all'] === true,
      args.list === true,
      args.explain === true,
    ].filter(Boolean);
    if (args.enable && args.disable) return fail('give --enable or --disable, not both');
    if (modes.length === 0)
      return fail('nothing to do: give --enable, --disable, --clear, --clear-all, --list or --explain');
    if (modes.length > 1)
      return fail('give one of --enable/--disable, --clear, --clear-all, --list, --explain');
    if (!args['clear-all'] && args.only !== undefined) return fail('--only goes with --clear-all');
    if (!args.list && args.since !== undefined) return fail('--since goes with --list');
    if (args.explain) {
      if (args.user === undefined && args.session === undefined)
        return fail('--explain needs --user <id>, --session <id> or both');
      if (args.ttl !== undefined || args['expires-at'] !== undefined || args.reason !== undefined)
        return fail('--ttl, --expires-at and --reason go with --enable or --disable');
      const subject = { user: args.user, session: args.session };
      return { mode: 'explain', ...subject, actor: args.actor, json: args.json ?? false } as const;
    }
    if (args.user !== undefined && args.session !== undefined)
      return fail('give --user or --session, not both');
    const subject =
      args.user !== undefined
        ? ({ kind: 'user', subjectId: args.user } as const)
        : args.session !== undefined
          ? ({ kind: 'session', subjectId: args.session } as const)
          : undefined;
    const hasSetOnly =
      args.ttl !== undefined || args['expires-at'] !== undefined || args.reason !== undefined;
    if (!setting && hasSetOnly) return fail('--ttl, --expires-at and --reason go with --enable or --disable');
    const common = { actor: args.actor, json: args.json ?? false };
    if (setting || args.clear) {
      if (!subject) return fail("name the override's subject with --user <id> or --session <id>");
      if (args.clear) return { mode: 'clear', subject, ...common } as const;
      return {
        mode: 'set',
        subject,
        pipeline: args.enable ? 'awf' : 'legacy',
        expiry: { ttl: args.ttl, expiresAt: args['expires-at'] },
        reason: args.reason,
        ...common,
      } as const;
    }
    if (subject) return fail(`--${subject.kind} goes with --enable, --disable or --clear`);
    if (args['clear-all']) return { mode: 'clear-all', only: args.only, ...common } as const;
    return { mode: 'list', since: args.since ?? '24h', ...common } as const;
  });

/** `tsx backend/scripts/awf-override.ts` (the script is a thin entry point over this). */
export const overrideCommand: CliCommand<typeof schema, AdminDeps & { rollout: RolloutService }> = {
  help: HELP,
  schema,
  flags: {
    user: { type: 'string' },
    session: { type: 'string' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    ttl: { type: 'string' },
    'expires-at': { type: 'string' },
    reason: { type: 'string' },
    clear: { type: 'boolean' },
    'clear-all': { type: 'boolean' },
    only: { type: 'string' },
    explain: { type: 'boolean' },
    list: { type: 'boolean' },
    since: { type: 'string' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const { rollout, caller } = cli.deps;
    switch (args.mode) {
      case 'list': {
        const since = parseSince(args.since, new Date());
        await caller.authenticate('rollout.read', args.actor);
        const [status, distribution, awfTraffic] = await Promise.all([
          rollout.status(),
          rollout.distribution(since),
          rollout.awfTraffic(),
        ]);
        if (args.json) cli.out(JSON.stringify({ ...status, distribution, awfTraffic }, null, 2));
        else
          cli.out(
            [
              ...formatRolloutStatus(status),
              ...formatAwfTraffic(awfTraffic),
              ...formatDistribution(distribution),
            ].join('\n'),
          );
        return 0;
      }
      case 'set': {
        const expiresAt = resolveExpiry(args.expiry, new Date());
        const principal = await caller.authenticate('rollout.write', args.actor);
        const change = await rollout.setOverride(principal, {
          ...args.subject,
          pipeline: args.pipeline,
          expiresAt,
          reason: args.reason,
        });
        if (args.json) cli.out(JSON.stringify(change));
        else {
          const what = args.pipeline === 'awf' ? 'enabled (awf)' : 'disabled (legacy)';
          const until = change.new?.expiresAt ? ` until ${change.new.expiresAt}` : '';
          cli.out(
            `${args.subject.kind} ${args.subject.subjectId} ${what}${until} (version ${change.version}, audit #${change.auditSeq})`,
          );
        }
        return 0;
      }
      case 'clear': {
        const principal = await caller.authenticate('rollout.write', args.actor);
        const change = await rollout.clearOverride(principal, args.subject.kind, args.subject.subjectId);
        cli.out(
          args.json
            ? JSON.stringify(change)
            : `${args.subject.kind} ${args.subject.subjectId} override cleared (version ${change.version}, audit #${change.auditSeq})`,
        );
        return 0;
      }
      case 'clear-all': {
        const principal = await caller.authenticate('rollout.write', args.actor);
        const result = await rollout.clearAllOverrides(principal, { only: args.only });
        if (args.json) cli.out(JSON.stringify(result));
        else cli.out(formatClearAll(result).join('\n'));
        const movedOnto = result.released.user.awfFromDisable + result.released.session.awfFromDisable;
        if (movedOnto > 0) {
          cli.note(
            `warning: ${movedOnto} user(s)/session(s) held on legacy by a removed --disable override now land on AWF; to keep them on legacy, set those overrides again (an emergency rollback clears with --only enable)`,
          );
        }
        return 0;
      }
      case 'explain': {
        await caller.authenticate('rollout.read', args.actor);
        const explanation = await rollout.explain({ userId: args.user, sessionId: args.session });
        cli.out(args.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation).join('\n'));
        return 0;
      }
    }
  },
};
