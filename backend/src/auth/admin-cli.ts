import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { z } from 'zod';
import type { Services } from '../app/create-services.js';
import { exitOnError, UsageError } from '../cli/cli-errors.js';
import { parseConfig } from '../config/config.js';
import type { Principal } from './auth-service.js';
import type { Permission } from './roles.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What an admin script's `run` gets: the wired services and the CLI's ways to authenticate and print. */
export interface AdminCli {
  services: Services;
  /**
   * Authenticates AWF_ADMIN_TOKEN for `permission`; `claimedActor` (--actor) must be its actor.
   * A failure writes an auth.denied entry and throws (exit 2).
   */
  authenticate(permission: Permission, claimedActor?: string): Promise<Principal>;
  /** The token as the environment gives it (undefined when unset or empty). */
  token: string | undefined;
  /** A line to stdout. */
  out(line: string): void;
  /** A line to stderr (notes and warnings, never the result). */
  note(line: string): void;
}

export interface AdminScript<S extends z.ZodType> {
  help: string;
  options: Options;
  /** Validates `{...values, positionals}` after parseArgs; its messages are the one-line errors. */
  schema: S;
  allowPositionals?: boolean;
  /** Returns the exit code (default 0). */
  run(args: z.output<S>, cli: AdminCli): Promise<number | undefined>;
}

/**
 * An admin script's whole life: parse and validate every flag (a usage error changes nothing: it is
 * reported before the store is opened), wire the services, run, close, and exit 0 / the run's code;
 * any AppError becomes one `error: …` line with exit 2 (cli-errors.ts).
 */
export async function runAdminScript<S extends z.ZodType>(
  script: AdminScript<S>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  let services: Services | undefined;
  try {
    const parsed = parseCommand(script, argv);
    if (parsed.help) {
      process.stdout.write(`${script.help.trim()}\n`);
      return;
    }
    const config = parseConfig(process.env);
    // Loaded only now, so --help and usage errors answer without loading the whole process.
    const { createServices } = await import('../app/create-services.js');
    services = await createServices(config, { watchRollout: false, sloTimers: false });
    const wired = services;
    const token = process.env.AWF_ADMIN_TOKEN?.trim() || undefined;
    const code = await script.run(parsed.args, {
      services: wired,
      token,
      authenticate: (permission, claimedActor) =>
        wired.auth.authenticate({ token, permission, claimedActor, via: 'cli' }),
      out: (line) => process.stdout.write(`${line}\n`),
      note: (line) => process.stderr.write(`${line}\n`),
    });
    await wired.close();
    process.exitCode = code ?? 0;
  } catch (error) {
    await services?.close().catch(() => {});
    exitOnError(error);
  }
}

/** argv → `{help: true}` or the validated arguments; every problem is a UsageError (or a coded AppError). */
export function parseCommand<S extends z.ZodType>(
  script: AdminScript<S>,
  argv: readonly string[],
): { help: true } | { help: false; args: z.output<S> } {
  const parsed = parseCliArgs(argv, script.options, script.allowPositionals ?? false);
  if (parsed.values.help === true) return { help: true };
  return {
    help: false,
    args: parseWithSchema(script.schema, { ...parsed.values, positionals: parsed.positionals }),
  };
}

/**
 * parseArgs in strict mode, with one kindness: `--percent -1` is read as the value -1 (parseArgs
 * would call it an ambiguous option), so the range check can say what is wrong with it.
 */
export function parseCliArgs(
  argv: readonly string[],
  options: Options,
  allowPositionals: boolean,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const takesValue = name !== undefined && options[name]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i += 1;
    } else if (takesValue && (next === undefined || next.startsWith('-'))) {
      throw new UsageError(`${arg} needs a value; see --help`);
    } else {
      args.push(arg);
    }
  }
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')}; see --help`);
  }
}

/** The schema's first problem as a UsageError. */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `--${issue.path.join('.')}: ` : '';
  throw new UsageError(`${where}${issue?.message ?? 'invalid arguments'}; see --help`);
}
