import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, checkedFlag } from '../cli/cli-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { parseIsoInstant, parseSince } from '../shared/time-input.js';
import type { AuditCheckpoint } from './audit-checkpoints.js';
import { loadPublicKey } from './audit-checkpoints.js';
import type { AuditLogger } from './audit-logger.js';
import type { AuditEntry } from './audit-types.js';

const HELP = `Read, export and verify the tamper-evident audit log.

Usage:
  tsx backend/scripts/audit-logs.ts --recent [--limit N] [filters] [--json]
  tsx backend/scripts/audit-logs.ts [filters] [--limit N] [--json]
  tsx backend/scripts/audit-logs.ts --flag-changes [--limit N] [--json]
  tsx backend/scripts/audit-logs.ts --export [filters] > audit.ndjson
  tsx backend/scripts/audit-logs.ts --verify [--checkpoints FILE] [--public-key FILE] [--checkpoint-every N] [--json]
  tsx backend/scripts/audit-logs.ts --checkpoint
  tsx backend/scripts/audit-logs.ts --export-checkpoints > checkpoints.ndjson

  --recent              the newest entries (the default view)
  --flag-changes        global flag and percentage changes (actions rollout.*)
  --export              every matching entry, oldest first, as NDJSON (one JSON object per line)
  --verify              walk the whole hash chain and every checkpoint; names the first bad row
                        (SEQ_GAP, PREV_MISMATCH, CONTENT_MISMATCH, HASH_MISMATCH, CHECKPOINT_MISMATCH,
                        CHECKPOINT_MISSING, CHECKPOINT_UNSIGNED, CHECKPOINT_SIGNATURE_INVALID,
                        TAIL_TRUNCATED) and exits 1 when there is one
  --checkpoints FILE    with --verify: also check checkpoints held elsewhere (an --export-checkpoints
                        file, or the AWF_AUDIT_WITNESS_FILE the server appends to)
  --checkpoint-every N  with --verify: every N-th entry must have a checkpoint (default
                        AWF_AUDIT_CHECKPOINT_EVERY; 0: expect none, e.g. for a log written without them)
  --public-key FILE     with --verify: the PEM Ed25519 key checkpoint signatures must verify with
                        (default: the public half of AWF_AUDIT_SIGNING_KEY_FILE; with neither, signatures
                        are checked only against the key each checkpoint carries, which a forger can
                        replace, and the output says so); with a trusted key every checkpoint must be
                        signed by it
  --checkpoint          record (and sign, with AWF_AUDIT_SIGNING_KEY_FILE) a checkpoint of the head; prints it
  --export-checkpoints  every stored checkpoint as NDJSON, to keep outside the database
filters:
  --actor NAME          entries by this actor (here a filter, not who you are: the token says that)
  --action A            exact action, or a prefix ending in * (e.g. override.*)
  --entity E            exact entity, or a prefix ending in * (e.g. user:*)
  --since D|ISO         from 24h ago / from an instant (inclusive)
  --until ISO           before an instant
  --limit N             at most N entries (1–10000, default 50; not for --export)
  --json                a JSON array (or the verification object) instead of text
  --help                this text

Needs AWF_ADMIN_TOKEN of an operator, auditor or admin (--checkpoint: auditor or admin).
Exit codes: 0 done (chain intact); 1 verification found a bad row; 2 bad input or authentication;
3 the store could not be reached or another runtime failure.`;

const schema = z
  .object({
    recent: z.boolean().optional(),
    'flag-changes': z.boolean().optional(),
    export: z.boolean().optional(),
    verify: z.boolean().optional(),
    checkpoint: z.boolean().optional(),
    'export-checkpoints': z.boolean().optional(),
    checkpoints: z.string().min(1).optional(),
    'public-key': z.string().min(1).optional(),
    'checkpoint-every': z
      .string()
      .regex(/^\d{1,9}$/, 'must be an integer >= 0')
      .transform(Number)
      .optional(),
    actor: z.string().min(1, 'needs a name').optional(),
    action: z.string().min(1, 'needs an action').optional(),
    entity: z.string().min(1, 'needs an entity').optional(),
    since: checkedFlag((text) => parseSince(text, new Date())).optional(),
    until: checkedFlag((text) => parseIsoInstant(text, '--until')).optional(),
    limit: z
      .string()
      .regex(/^\d{1,5}$/, 'must be an integer from 1 to 10000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 10_000, 'must be an integer from 1 to 10000')
      .optional(),
    json: z.boolean().optional(),
  })
  .transform((args, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const modes = (['flag-changes', 'export', 'verify', 'checkpoint', 'export-checkpoints'] as const).filter(
      (mode) => args[mode] === true,
    );
    if (modes.length > 1) return fail(`give one of --${modes.join(', --')}`);
    const mode = modes[0] ?? (args.recent ? 'recent' : 'query');
    if (args.recent && modes.length > 0) return fail(`--recent and --${modes[0]} do not go together`);
    const filtered = [args.actor, args.action, args.entity, args.since, args.until].some(
      (v) => v !== undefined,
    );
    if (['verify', 'checkpoint', 'export-checkpoints', 'flag-changes'].includes(mode) && filtered) {
      return fail(`--${mode} takes no --actor/--action/--entity/--since/--until filters`);
    }
    if (
      mode !== 'verify' &&
      (args.checkpoints || args['public-key'] || args['checkpoint-every'] !== undefined)
    ) {
      return fail('--checkpoints, --public-key and --checkpoint-every go with --verify');
    }
    if (['export', 'verify', 'checkpoint', 'export-checkpoints'].includes(mode) && args.limit !== undefined) {
      return fail(`--limit does not go with --${mode}`);
    }
    return { ...args, mode };
  });

const entryLine = (entry: AuditEntry): string =>
  `#${entry.seq} ${entry.createdAt} ${entry.actor} ${entry.action} ${entry.entity} ${JSON.stringify(entry.details)}`;

/** How far the checkpoint signatures go: a trusted key, or only the key each checkpoint carries. */
function signatureText(checkpoints: {
  signed: number;
  verifiedWith: 'trusted_key' | 'embedded_key';
}): string {
  if (checkpoints.signed === 0) return '0 signed';
  return checkpoints.verifiedWith === 'trusted_key'
    ? `${checkpoints.signed} signed, verified against the trusted key`
    : `${checkpoints.signed} signed, checked only against the key embedded in each checkpoint: not verified against a trusted key (give --public-key, or set AWF_AUDIT_SIGNING_KEY_FILE)`;
}

function readCheckpointFile(file: string): AuditCheckpoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`--checkpoints ${file}: ${(error as Error).message}`);
  }
  const checkpoint = z.object({
    seq: z.number().int().positive(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string(),
    createdBy: z.string(),
    publicKey: z.string().nullable(),
    signature: z.string().nullable(),
  });
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line !== '')
    .map(({ line, index }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new InvalidInputError(`--checkpoints ${file}:${index + 1}: not JSON`);
      }
      const parsed = checkpoint.safeParse(value);
      if (!parsed.success)
        throw new InvalidInputError(`--checkpoints ${file}:${index + 1}: not a checkpoint`);
      return parsed.data;
    });
}

/** `tsx backend/scripts/audit-logs.ts` (the script is a thin entry point over this). */
export const auditLogsCommand: CliCommand<typeof schema, AdminDeps & { audit: AuditLogger }> = {
  help: HELP,
  schema,
  flags: {
    recent: { type: 'boolean' },
    'flag-changes': { type: 'boolean' },
    export: { type: 'boolean' },
    verify: { type: 'boolean' },
    checkpoint: { type: 'boolean' },
    'export-checkpoints': { type: 'boolean' },
    checkpoints: { type: 'string' },
    'public-key': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    entity: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const now = new Date();
    const filter = {
      ...(args.actor !== undefined ? { actor: args.actor } : {}),
      ...(args.action !== undefined ? { action: args.action } : {}),
      ...(args.entity !== undefined ? { entity: args.entity } : {}),
      ...(args.since !== undefined ? { since: parseSince(args.since, now).toISOString() } : {}),
      ...(args.until !== undefined ? { until: parseIsoInstant(args.until, '--until').toISOString() } : {}),
    };
    const externalCheckpoints = args.checkpoints ? readCheckpointFile(args.checkpoints) : undefined;
    let trustedKey: ReturnType<typeof loadPublicKey> | undefined;
    if (args['public-key']) {
      try {
        trustedKey = loadPublicKey(args['public-key']);
      } catch (error) {
        throw new InvalidInputError(`--public-key ${args['public-key']}: ${(error as Error).message}`);
      }
    }
    const { audit, caller } = cli.deps;
    if (args.mode === 'checkpoint') {
      const principal = await caller.authenticate('audit.checkpoint');
      const checkpoint = await audit.createCheckpoint(principal.actor);
      cli.out(JSON.stringify(checkpoint));
      return 0;
    }
    await caller.authenticate('audit.read');
    switch (args.mode) {
      case 'verify': {
        const result = await audit.verify({
          ...(externalCheckpoints ? { checkpoints: externalCheckpoints } : {}),
          ...(trustedKey ? { trustedKey } : {}),
          ...(args['checkpoint-every'] !== undefined ? { checkpointEvery: args['checkpoint-every'] } : {}),
        });
        if (args.json) cli.out(JSON.stringify(result, null, 2));
        else if (result.ok) {
          cli.out(
            `audit chain OK: ${result.entries} entries, head #${result.head?.seq ?? 0} ${result.head?.hash ?? ''}; ${result.checkpoints.checked} checkpoint(s) match (${signatureText(result.checkpoints)})`,
          );
        } else {
          const bad = result.firstBad as NonNullable<typeof result.firstBad>;
          cli.out(`audit chain BROKEN at #${bad.seq}: ${bad.reason}: ${bad.message}`);
        }
        return result.ok ? 0 : 1;
      }
      case 'export':
        for await (const line of audit.exportNdjson(filter)) cli.out(line);
        return 0;
      case 'export-checkpoints':
        for (const checkpoint of await audit.listCheckpoints()) cli.out(JSON.stringify(checkpoint));
        return 0;
      default: {
        const limit = args.limit ?? 50;
        const entries =
          args.mode === 'flag-changes'
            ? await audit.getFlagChangeLogs(limit)
            : await audit.query({ ...filter, limit });
        if (args.json) cli.out(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) cli.out('no entries');
        else for (const entry of entries) cli.out(entryLine(entry));
        return 0;
      }
    }
  },
};
