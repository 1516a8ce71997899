import type { Choice } from '../game/game-types.js';
import { AppError, InvalidInputError } from '../shared/errors.js';

/**
 * The longest input a turn accepts, in characters (Unicode code points): one limit for the player
 * API and `npm run play`, both of which hand the input to the turn service, which checks it.
 */
export const MAX_TURN_INPUT_CHARS = 2000;

/** A bare number that names no choice on offer: refused before any turn is played (400). */
export class ChoiceOutOfRangeError extends AppError {
  constructor(choice: string, offered: number) {
    const range = offered === 1 ? '1' : `1–${offered}`;
    super(
      'CHOICE_OUT_OF_RANGE',
      offered === 0
        ? `there is no choice ${choice}: no numbered choices are on offer; say what you do instead`
        : `there is no choice ${choice}: pick ${range}, or say what you do`,
      400,
      { choice, range: offered === 0 ? null : range },
    );
  }
}

/** Refuses an input longer than MAX_TURN_INPUT_CHARS with the one message both surfaces show. */
export function checkTurnInputLength(input: string): void {
  const length = [...input].length;
  if (length > MAX_TURN_INPUT_CHARS) {
    throw new InvalidInputError(
      `input is ${length} characters long; at most ${MAX_TURN_INPUT_CHARS} are accepted`,
      { field: 'input', maxLength: MAX_TURN_INPUT_CHARS },
    );
  }
}

/**
 * A bare number picks one of the choices offered last; anything else is the player's own words.
 * A number that is not on offer (0, or 7 of three) is refused: it would only waste a turn.
 */
export function resolveTurnInput(rawInput: string, lastChoices: readonly Choice[]): string {
  checkTurnInputLength(rawInput);
  const input = rawInput.trim();
  if (input.length === 0) throw new InvalidInputError('input must not be empty');
  if (!/^\d+$/.test(input)) return input;
  const picked = lastChoices[Number(input) - 1];
  if (!picked) throw new ChoiceOutOfRangeError(input, lastChoices.length);
  return picked.label;
}
