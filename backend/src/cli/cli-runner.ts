import { z } from 'zod';
import { AppError, isErrorCode } from '../shared/errors.js';
import { EXIT, reportCliError, UsageError } from './cli-errors.js';

/** One flag: `--name VALUE` (string) or `--name` (boolean); `multiple` lets it repeat (values in order). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

/** A stream the runner writes to (process.stdout or a capture in tests). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What a command runs in: the process's streams, environment and working directory. */
export interface CliIo {
  argv: readonly string[];
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** What `run` gets: what the entry point wired (`deps`) and the ways to print. */
export interface CliContext<D> extends Omit<CliIo, 'argv'> {
  deps: D;
  /** A line to stdout (the result). */
  out(line: string): void;
  /** A line to stderr (notes and warnings, never the result). */
  note(line: string): void;
}

/**
 * A command of one script: its help, its flags and the schema that validates them, and `run`, which
 * gets the validated arguments and `D`, what it needs wired (e.g. `{ rollout: RolloutService }`).
 */
export interface CliCommand<S extends z.ZodType, D> {
  help: string;
  flags: Flags;
  /**
   * Validates `{...flags}` (plus `positionals` when allowed); an issue at a flag's path reads
   * `--flag: message`, so messages do not repeat the flag's name.
   */
  schema: S;
  allowPositionals?: boolean;
  /** Returns the exit code: 0 (the default) or 1, the command's own negative answer. */
  run(args: z.output<S>, cli: CliContext<D>): Promise<number | undefined>;
}

/** What a command needs, opened; `close` is called once the command is done (or failed). */
export interface Wired<D> {
  deps: D;
  /** Lines the wiring has for the operator (stderr, before the command runs), e.g. an env caveat. */
  notes?: readonly string[];
  close?(): Promise<void>;
}

/**
 * Handed to the runner by the entry point: opens what the command needs. Called only after every
 * flag is valid and `--help` was not asked for, so neither opens a store.
 */
export type Wire<D> = (env: CliIo['env']) => Promise<Wired<D>> | Wired<D>;

/**
 * A command's whole life: parse and validate every flag (a usage error changes nothing: it is
 * reported before `wire` opens anything), wire, run, close. Returns the exit code (cli-errors EXIT):
 * 0 done, 1 the command's negative answer, 2 usage / input / auth / rate limit, 3 runtime failure.
 */
export async function runCli<S extends z.ZodType, D>(
  command: CliCommand<S, D>,
  wire: Wire<NoInfer<D>>,
  io: CliIo,
): Promise<number> {
  let wired: Wired<D> | undefined;
  try {
    const parsed = parseCommand(command, io.argv);
    if (parsed.help) {
      io.stdout.write(`${command.help.trim()}\n`);
      return EXIT.ok;
    }
    wired = await wire(io.env);
    for (const note of wired.notes ?? []) io.stderr.write(`${note}\n`);
    const code = await command.run(parsed.args, {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      cwd: io.cwd,
      deps: wired.deps,
      out: (line) => io.stdout.write(`${line}\n`),
      note: (line) => io.stderr.write(`${line}\n`),
    });
    const done = wired;
    wired = undefined;
    await done.close?.();
    return code ?? EXIT.ok;
  } catch (error) {
    await wired?.close?.().catch(() => {});
    return reportCliError(error, io.stderr, io.env);
  }
}

/**
 * An entry point's one line: runs `command` on this process's argv and streams and sets the exit
 * code. A failure exits at once, so a half-opened store cannot keep the process alive.
 */
export async function runCommand<S extends z.ZodType, D>(
  command: CliCommand<S, D>,
  wire: Wire<NoInfer<D>>,
): Promise<void> {
  const code = await runCli(command, wire, {
    argv: process.argv.slice(2),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  });
  if (code >= EXIT.usage) process.exit(code);
  process.exitCode = code;
}

/** argv → `{help: true}` or the validated arguments; every problem is a UsageError (or a coded AppError). */
export function parseCommand<S extends z.ZodType>(
  command: Pick<CliCommand<S, unknown>, 'flags' | 'schema' | 'allowPositionals'>,
  argv: readonly string[],
): { help: true } | { help: false; args: z.output<S> } {
  const parsed = parseFlags(argv, command.flags, command.allowPositionals ?? false);
  if (parsed.help) return { help: true };
  const input = command.allowPositionals
    ? { ...parsed.values, positionals: parsed.positionals }
    : parsed.values;
  return { help: false, args: parseWithSchema(command.schema, input) };
}

export type FlagValues = Record<string, string | boolean | string[]>;

/**
 * Reads argv against `flags`. `--help` / `-h` anywhere asks for help (and wins over any mistake).
 * Otherwise the first of these is a UsageError: an unknown flag, a string flag without a value
 * (`--percent -1` is the value -1, so the range check can say what is wrong with it), a value
 * given to a boolean flag, a flag given twice (unless `multiple`), a positional argument where
 * none is taken. A lone `--` ends the flags.
 */
export function parseFlags(
  argv: readonly string[],
  flags: Flags,
  allowPositionals: boolean,
): { help: boolean; values: FlagValues; positionals: string[] } {
  const values: FlagValues = {};
  const positionals: string[] = [];
  let problem: UsageError | undefined;
  let help = false;
  const fail = (error: UsageError) => {
    problem ??= error;
  };
  const byShort = new Map(
    Object.entries(flags).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const [written, inline] = splitInline(arg);
    const name = written.startsWith('--') ? written.slice(2) : byShort.get(written.slice(1));
    const spec = name === undefined ? undefined : flags[name];
    if (name === undefined || spec === undefined || name === 'help') {
      fail(new UsageError('unknown flag', { flag: written }));
      continue;
    }
    const flag = `--${name}`;
    let value: string | boolean = true;
    if (spec.type === 'boolean') {
      if (inline !== undefined) fail(new UsageError('takes no value', { flag }));
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && !/^-\d/.test(next))) {
        fail(new UsageError('needs a value', { flag }));
        continue;
      }
      value = next;
      i += 1;
    }
    const previous = values[name];
    if (spec.multiple) {
      values[name] = [...((previous as string[] | undefined) ?? []), String(value)];
    } else if (previous !== undefined) {
      fail(new UsageError('given more than once; give it once', { flag }));
    } else {
      values[name] = value;
    }
  }
  if (!allowPositionals && positionals.length > 0) {
    fail(new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`));
  }
  if (!help && problem) throw problem;
  return { help, values, positionals };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 2 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/**
 * The schema's first problem as a UsageError: `--flag: message` when the issue is at a flag's path.
 * A coded error thrown by a value parser (see `flagValue`) keeps its code.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  const flag = typeof key === 'string' && key !== 'positionals' ? `--${key}` : undefined;
  const code = (issue as { params?: { code?: unknown } } | undefined)?.params?.code;
  throw new UsageError(issue?.message ?? 'invalid arguments', {
    ...(flag ? { flag } : {}),
    ...(typeof code === 'string' && isErrorCode(code) ? { code } : {}),
  });
}

/**
 * A string flag whose value `parse` checks (and converts), e.g. `flagValue(parsePercent)`: a coded
 * error it throws becomes the flag's usage error with that code, its message without the flag's name.
 */
export function flagValue<T>(parse: (text: string) => T) {
  return z.string().transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.addIssue({
        code: 'custom',
        message: error.message.replace(/^(--)?[a-z][\w-]*:? (?=must |is |needs |takes |")/, ''),
        params: { code: error.code },
      });
      return z.NEVER;
    }
  });
}

/** A string flag `check` validates (throwing a coded error) but that is kept as written. */
export function checkedFlag(check: (text: string) => unknown) {
  return flagValue((text) => {
    check(text);
    return text;
  });
}
