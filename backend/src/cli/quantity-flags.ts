import { z } from 'zod';

/**
 * Flag values that are quantities (whole numbers, seeds, turns per second), parsed alike by every
 * command that takes them. Each is a zod schema for a command's flag object: a mistake is an issue
 * at the flag's path, so the runner prints `error: --flag: must be …; see --help`.
 */

/** The largest seed a command takes: the synthetic players' generators are seeded with 32 bits. */
export const MAX_SEED = 4_294_967_295;

export interface WholeNumberOptions {
  /** Refuses more digits than this, leading zeros included (`npm run simulate -- --seed` always has). */
  maxDigits?: number;
}

/** Digits only (no sign, point or blank), from `min` to `max`: `must be a whole number from min to max`. */
export function wholeNumberFlag(min: number, max: number, options: WholeNumberOptions = {}) {
  const message = `must be a whole number from ${min} to ${max}`;
  const digits = options.maxDigits === undefined ? /^\d+$/ : new RegExp(`^\\d{1,${options.maxDigits}}$`);
  return z
    .string()
    .regex(digits, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message);
}

/** A seed: a whole number from 0 to MAX_SEED. */
export function seedFlag(options: WholeNumberOptions = {}) {
  return wholeNumberFlag(0, MAX_SEED, options);
}

/** `20/s` or `20` (blanks around it allowed) → turns per second; undefined when it is neither. */
export function parseTurnsPerSecond(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Turns per second above 0 and at most `max`; the message shows `example` (each command its own,
 * e.g. `20/s`) and what was given.
 */
export function turnsPerSecondFlag(limits: { max: number; example: string }) {
  return z.string().transform((text, ctx) => {
    const value = parseTurnsPerSecond(text);
    if (value === undefined || !(value > 0 && value <= limits.max)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be turns per second above 0 and at most ${limits.max}, e.g. ${limits.example} (got ${JSON.stringify(text)})`,
      });
      return z.NEVER;
    }
    return value;
  });
}
