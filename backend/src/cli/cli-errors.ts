import { ConfigError } from '../config/config.js';
import { AppError, type ErrorCode } from '../shared/errors.js';

/**
 * Every script's exit codes (README "Exit codes"). 1 is the command's own negative answer (an SLO
 * violated, a golden failed, the audit chain broken), so a gate never mistakes "could not check"
 * (3) or "asked wrongly" (2) for it.
 */
export const EXIT = { ok: 0, negative: 1, usage: 2, runtime: 3 } as const;

/**
 * A command-line mistake: one line `--flag: what is wrong; see --help`, exit 2. `code` keeps a
 * domain code (e.g. ROLLOUT_INVALID_PERCENT) when a flag's value broke a domain rule.
 */
export class UsageError extends AppError {
  constructor(message: string, options: { flag?: string; code?: ErrorCode } = {}) {
    const where = options.flag === undefined ? '' : `${options.flag}: `;
    super(options.code ?? 'USAGE', `${where}${message}; see --help`, 400, {
      ...(options.flag === undefined ? {} : { flag: options.flag }),
    });
  }
}

export interface ErrorSink {
  write(text: string): unknown;
}

/**
 * The CLI's one error handler: writes `error: …` line(s) to `stderr` and returns the exit code.
 * Config problems (one line each), usage, input, auth and rate-limit errors (any 4xx AppError): 2.
 * Anything else, e.g. a store that cannot be reached: one line, exit 3; its stack only with
 * LOG_LEVEL=debug.
 */
export function reportCliError(
  error: unknown,
  stderr: ErrorSink,
  env: Readonly<Record<string, string | undefined>>,
): number {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) stderr.write(`error: ${problem}\n`);
    return EXIT.usage;
  }
  if (error instanceof AppError && error.statusCode < 500) {
    stderr.write(`error: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  stderr.write(`error: ${oneLine(describeError(error))}\n`);
  if (env.LOG_LEVEL?.trim().toLowerCase() === 'debug' && error instanceof Error && error.stack) {
    stderr.write(`${error.stack}\n`);
  }
  return EXIT.runtime;
}

const oneLine = (text: string): string => text.split('\n').join('; ');

/** A runtime failure in words; connection errors often carry no message, only a code or causes. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const inner =
    error instanceof AggregateError ? error.errors.map((e) => describeError(e)).filter(Boolean) : [];
  const message = error.message || inner[0] || (typeof code === 'string' ? code : '') || error.name;
  return message;
}
