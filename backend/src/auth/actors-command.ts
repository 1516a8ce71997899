import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, checkedFlag } from '../cli/cli-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { parseIsoInstant, parseTtl, resolveExpiry } from '../shared/time-input.js';
import { BootstrapAdminOnlyError } from './auth-errors.js';
import type { AuthService } from './auth-service.js';
import { ROLES } from './roles.js';

const HELP = `Manage the actors who may use the admin scripts and API, and their tokens.

Usage:
  tsx backend/scripts/awf-actors.ts add <name> --role viewer|operator|admin|auditor|evaluator [--ttl 90d | --expires-at ISO]
  tsx backend/scripts/awf-actors.ts token <name> [--ttl 90d | --expires-at ISO]   issue another token
  tsx backend/scripts/awf-actors.ts revoke <name>            revoke the actor and all its tokens
  tsx backend/scripts/awf-actors.ts revoke --token <id>      revoke one token
  tsx backend/scripts/awf-actors.ts list [--json]
  tsx backend/scripts/awf-actors.ts rate-limit [--json]                       the change rate limit in force
  tsx backend/scripts/awf-actors.ts rate-limit --changes N [--window 60s]     store a new one (admin)

  --role ROLE        viewer (read status), operator (change rollout and overrides, read the audit log),
                     admin (also actors, tokens, retention), auditor (read, export, verify the audit log;
                     read the retention policy), evaluator (OFREP flag evaluation only: for other services)
  --ttl D            the token expires after D (90s, 15m, 24h, 7d); default: no expiry
  --expires-at ISO   the token expires at that instant, e.g. 2026-07-01T00:00:00Z
  --token ID         with revoke: the token id (the 12 hex characters after awf_)
  --changes N        with rate-limit: changes per actor per window, 1–100000
  --window D         with rate-limit: the window, 1s to 1d (e.g. 60s, 15m, 1h); default: the current one
  --actor NAME       who you are: must be the actor of AWF_ADMIN_TOKEN
  --json             print JSON instead of text
  --help             this text

The change rate limit is stored (audited as auth.rate_limit.set) and read by every process from the
store: AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S in a script's environment are ignored (the
server stores them once, while no limit is stored); the default is 30 changes per 60 s.
add and token print the new token alone on stdout: it is shown once and stored only as its SHA-256.
Every command needs AWF_ADMIN_TOKEN of an admin, except the bootstrap: while no admin holds an active,
unexpired token (none was added yet, or every admin token expired or was revoked),
\`add <name> --role admin\` works without a token. Revoking the last active, unexpired admin token (or
the last admin holding one) is refused; a warning says when every admin token will have expired.
Exit codes: 0 done; 2 bad input, authentication, permission or rate limit (nothing changed);
3 the store could not be reached or another runtime failure.`;

const schema = z
  .object({
    positionals: z.array(z.string()),
    role: z.enum(ROLES, { error: `takes one of ${ROLES.join(', ')}` }).optional(),
    ttl: checkedFlag((text) => parseTtl(text)).optional(),
    'expires-at': checkedFlag((text) => parseIsoInstant(text, '--expires-at')).optional(),
    token: z
      .string()
      .regex(/^[0-9a-f]{12}$/, 'a token id is 12 lowercase hex characters')
      .optional(),
    actor: z.string().min(1).optional(),
    json: z.boolean().optional(),
    changes: z
      .string()
      .regex(/^\d{1,6}$/, 'must be an integer from 1 to 100000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 100_000, 'must be an integer from 1 to 100000')
      .optional(),
    window: checkedFlag((text) => {
      const ms = parseTtl(text, '--window');
      if (ms % 1000 !== 0 || ms > 86_400_000) {
        throw new InvalidInputError(
          `--window must be whole seconds from 1s to 1d, got ${JSON.stringify(text)}`,
        );
      }
      return ms;
    }).optional(),
  })
  .transform((args, ctx) => {
    const [command, name, ...extra] = args.positionals;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (extra.length > 0) return fail(`unexpected argument ${JSON.stringify(extra[0])}`);
    const expiry = { ttl: args.ttl, expiresAt: args['expires-at'] };
    const hasExpiry = args.ttl !== undefined || args['expires-at'] !== undefined;
    const common = { actor: args.actor, json: args.json ?? false };
    if (command !== 'rate-limit' && (args.changes !== undefined || args.window !== undefined)) {
      return fail('--changes and --window belong to rate-limit');
    }
    switch (command) {
      case 'add':
        if (!name) return fail("add needs the new actor's name: add <name> --role <role>");
        if (!args.role) return fail('add needs --role viewer|operator|admin|auditor|evaluator');
        if (args.token) return fail('--token belongs to revoke');
        return { command, name, role: args.role, expiry, ...common } as const;
      case 'token':
        if (!name) return fail("token needs the actor's name: token <name>");
        if (args.role || args.token) return fail('token takes only <name>, --ttl / --expires-at and --actor');
        return { command, name, expiry, ...common } as const;
      case 'revoke':
        if (args.role || hasExpiry) return fail('revoke takes <name> or --token <id>, and --actor');
        if ((name === undefined) === (args.token === undefined))
          return fail('revoke takes either <name> or --token <id>');
        return { command, name, tokenId: args.token, ...common } as const;
      case 'list':
        if (name || args.role || args.token || hasExpiry) return fail('list takes only --json and --actor');
        return { command, ...common } as const;
      case 'rate-limit':
        if (name || args.role || args.token || hasExpiry)
          return fail('rate-limit takes only --changes, --window, --json and --actor');
        if (args.window !== undefined && args.changes === undefined)
          return fail('rate-limit --window needs --changes too');
        return {
          command,
          changes: args.changes,
          windowSec: args.window === undefined ? undefined : parseTtl(args.window, '--window') / 1000,
          ...common,
        } as const;
      default:
        return fail(
          command
            ? `unknown command ${JSON.stringify(command)}: use add, token, revoke, list or rate-limit`
            : 'give a command: add, token, revoke, list or rate-limit',
        );
    }
  });

/** `tsx backend/scripts/awf-actors.ts` (the script is a thin entry point over this). */
export const actorsCommand: CliCommand<typeof schema, AdminDeps & { auth: AuthService }> = {
  help: HELP,
  schema,
  allowPositionals: true,
  flags: {
    role: { type: 'string' },
    ttl: { type: 'string' },
    'expires-at': { type: 'string' },
    token: { type: 'string' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
    changes: { type: 'string' },
    window: { type: 'string' },
  },
  async run(args, cli) {
    const { auth, caller } = cli.deps;
    /** Once every usable admin token expires, nobody can manage actors with a token after the last one. */
    const warnWhenAdminAccessExpires = async (): Promise<void> => {
      const access = await auth.adminAccess();
      if (!access.expires) return;
      cli.note(
        `warning: every admin token now expires, the last at ${access.until}; after that nobody can manage actors with a token until an admin is bootstrapped again (add <name> --role admin without a token): issue an admin a token without --ttl / --expires-at to avoid that`,
      );
    };
    switch (args.command) {
      case 'add': {
        const expiresAt = resolveExpiry(args.expiry, new Date());
        let issued: Awaited<ReturnType<typeof auth.addActor>>;
        if (caller.token === undefined && args.role === 'admin') {
          issued = await auth.addFirstAdmin({ name: args.name, expiresAt, via: 'cli' });
          cli.note(
            `bootstrap: added admin ${issued.actor} without a token (no admin held an active, unexpired token)`,
          );
        } else {
          if (caller.token === undefined && !(await auth.hasUsableAdminToken()))
            throw new BootstrapAdminOnlyError();
          const principal = await caller.authenticate('actors.manage', args.actor);
          issued = await auth.addActor(principal, { name: args.name, role: args.role, expiresAt });
          cli.note(`added ${issued.role} ${issued.actor}`);
        }
        cli.note(
          `token ${issued.tokenId}${issued.expiresAt ? ` expires ${issued.expiresAt}` : ''}; it is shown once, keep it safe`,
        );
        if (issued.role === 'admin' && issued.expiresAt !== null) await warnWhenAdminAccessExpires();
        cli.out(args.json ? JSON.stringify(issued) : issued.token);
        return 0;
      }
      case 'token': {
        const expiresAt = resolveExpiry(args.expiry, new Date());
        const principal = await caller.authenticate('actors.manage', args.actor);
        const issued = await auth.issueToken(principal, args.name, { expiresAt });
        cli.note(`issued token ${issued.tokenId} for ${issued.actor}; it is shown once, keep it safe`);
        if (issued.role === 'admin' && issued.expiresAt !== null) await warnWhenAdminAccessExpires();
        cli.out(args.json ? JSON.stringify(issued) : issued.token);
        return 0;
      }
      case 'revoke': {
        const principal = await caller.authenticate('actors.manage', args.actor);
        const expiringBefore = (await auth.adminAccess()).expires;
        if (args.tokenId !== undefined) {
          const revoked = await auth.revokeToken(principal, args.tokenId);
          cli.out(
            args.json ? JSON.stringify(revoked) : `revoked token ${revoked.tokenId} of ${revoked.actor}`,
          );
        } else {
          const revoked = await auth.revokeActor(principal, args.name as string);
          cli.out(
            args.json
              ? JSON.stringify(revoked)
              : `revoked actor ${revoked.actor} and ${revoked.tokensRevoked.length} token(s)`,
          );
        }
        if (!expiringBefore) await warnWhenAdminAccessExpires();
        return 0;
      }
      case 'rate-limit': {
        if (args.changes === undefined) {
          await caller.authenticate('rollout.read', args.actor);
          const limit = await auth.changeRateLimit();
          cli.out(
            args.json
              ? JSON.stringify(limit)
              : `change rate limit: ${limit.changes} changes per actor per ${limit.windowSec} s (${limit.source === 'store' ? `stored, set by ${limit.updatedBy} at ${limit.updatedAt}` : 'the default: none is stored'})`,
          );
          return 0;
        }
        const principal = await caller.authenticate('ratelimit.manage', args.actor);
        const windowSec = args.windowSec ?? (await auth.changeRateLimit()).windowSec;
        const set = await auth.setChangeRateLimit(principal, { changes: args.changes, windowSec });
        cli.out(
          args.json
            ? JSON.stringify(set)
            : `change rate limit ${set.previous.changes} per ${set.previous.windowSec} s → ${set.new.changes} per ${set.new.windowSec} s (audit #${set.auditSeq}); every process applies it to the next change`,
        );
        return 0;
      }
      case 'list': {
        const principal = await caller.authenticate('actors.manage', args.actor);
        const actors = await auth.listActors(principal);
        if (args.json) {
          cli.out(JSON.stringify(actors, null, 2));
          return 0;
        }
        if (actors.length === 0) cli.out('no actors');
        for (const actor of actors) {
          cli.out(
            `${actor.name.padEnd(20)} ${actor.role.padEnd(8)} ${actor.revokedAt ? `REVOKED ${actor.revokedAt}` : 'active'}  added by ${actor.createdBy} at ${actor.createdAt}`,
          );
          for (const token of actor.tokens) {
            cli.out(
              `  token ${token.id}  ${token.state}${token.expiresAt ? `  expires ${token.expiresAt}` : ''}  issued ${token.createdAt} by ${token.createdBy}`,
            );
          }
        }
        return 0;
      }
    }
  },
};
