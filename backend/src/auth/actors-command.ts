import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, checkedFlag } from '../cli/cli-runner.js';
import { parseIsoInstant, parseTtl, resolveExpiry } from '../shared/time-input.js';
import { BootstrapAdminOnlyError } from './auth-errors.js';
import type { AuthService } from './auth-service.js';
import { ROLES } from './roles.js';

const HELP = `Manage the actors who may use the admin scripts and API, and their tokens.

Usage:
  tsx backend/scripts/awf-actors.ts add <name> --role viewer|operator|admin|auditor [--ttl 90d | --expires-at ISO]
  tsx backend/scripts/awf-actors.ts token <name> [--ttl 90d | --expires-at ISO]   issue another token
  tsx backend/scripts/awf-actors.ts revoke <name>            revoke the actor and all its tokens
  tsx backend/scripts/awf-actors.ts revoke --token <id>      revoke one token
  tsx backend/scripts/awf-actors.ts list [--json]

  --role ROLE        viewer (read status), operator (change rollout and overrides),
                     admin (also actors, tokens, retention), auditor (read, export, verify the audit log;
                     read the retention policy)
  --ttl D            the token expires after D (90s, 15m, 24h, 7d); default: no expiry
  --expires-at ISO   the token expires at that instant, e.g. 2026-07-01T00:00:00Z
  --token ID         with revoke: the token id (the 12 hex characters after awf_)
  --actor NAME       who you are: must be the actor of AWF_ADMIN_TOKEN
  --json             print JSON instead of text
  --help             this text

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
    switch (command) {
      case 'add':
        if (!name) return fail("add needs the new actor's name: add <name> --role <role>");
        if (!args.role) return fail('add needs --role viewer|operator|admin|auditor');
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
      default:
        return fail(
          command
            ? `unknown command ${JSON.stringify(command)}: use add, token, revoke or list`
            : 'give a command: add, token, revoke or list',
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
