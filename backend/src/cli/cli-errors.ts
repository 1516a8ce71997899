import { ConfigError } from '../config/config.js';
import { AppError } from '../shared/errors.js';

/** A command-line usage mistake: one line, exit 2. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('USAGE', message, 400);
  }
}

/**
 * The CLI's one error handler: our errors become one `error: …` line (exit 2 for usage and input
 * errors, 1 for the rest), anything unexpected prints its stack (exit 1).
 */
export function exitOnError(error: unknown): never {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`error: ${problem}`);
    process.exit(2);
  }
  if (error instanceof AppError) {
    console.error(`error: ${error.message}`);
    process.exit(error.statusCode >= 400 && error.statusCode < 500 ? 2 : 1);
  }
  console.error(error);
  process.exit(1);
}
