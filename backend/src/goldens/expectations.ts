import type { Act } from '../game/acts.js';
import type { TurnResult } from '../game/game-types.js';
import type { ActPattern, Expectations } from './scenario.js';

/** One expectation that did not hold, with everything needed to read it without the scenario open. */
export interface ExpectationFailure {
  scenario: string;
  turn: number;
  expectation: keyof Expectations;
  expected: string;
  actual: string;
  /** `first-meet-kiera turn 1: expect.mustInclude: expected …, actual …` */
  message: string;
}

const TEXT_SHOWN = 240;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > TEXT_SHOWN ? `${flat.slice(0, TEXT_SHOWN)}…` : flat);
}

function choiceList(result: TurnResult): string {
  return result.choices.map((choice) => choice.id).join(', ');
}

/**
 * Check one turn's result against its expectations; an empty list means every expectation held.
 * Text checks are case-insensitive and look at the turn's narration (`txt`).
 */
export function checkExpectations(
  scenario: string,
  turn: number,
  expect: Expectations | undefined,
  result: TurnResult,
): ExpectationFailure[] {
  if (!expect) return [];
  const failures: ExpectationFailure[] = [];
  const fail = (expectation: keyof Expectations, expected: string, actual: string): void => {
    failures.push({
      scenario,
      turn,
      expectation,
      expected,
      actual,
      message: `${scenario} turn ${turn}: expect.${expectation}: expected ${expected}, actual ${actual}`,
    });
  };
  const text = result.txt.toLowerCase();

  for (const needle of expect.mustInclude ?? []) {
    const anyOf = typeof needle === 'string' ? [needle] : needle;
    if (!anyOf.some((candidate) => text.includes(candidate.toLowerCase()))) {
      const what =
        anyOf.length === 1
          ? JSON.stringify(anyOf[0])
          : `any of ${anyOf.map((candidate) => JSON.stringify(candidate)).join(', ')}`;
      fail('mustInclude', `the text to include ${what}`, quote(result.txt));
    }
  }
  for (const needle of expect.mustNotInclude ?? []) {
    if (text.includes(needle.toLowerCase()))
      fail('mustNotInclude', `the text not to include ${JSON.stringify(needle)}`, quote(result.txt));
  }
  const choices = result.choices.length;
  if (expect.choicesAtMost !== undefined && choices > expect.choicesAtMost) {
    fail('choicesAtMost', `at most ${expect.choicesAtMost} choices`, `${choices} (${choiceList(result)})`);
  }
  if (expect.choicesAtLeast !== undefined && choices < expect.choicesAtLeast) {
    fail('choicesAtLeast', `at least ${expect.choicesAtLeast} choices`, `${choices} (${choiceList(result)})`);
  }
  if (expect.sceneChange !== undefined && result.sceneChange !== expect.sceneChange) {
    fail(
      'sceneChange',
      `sceneChange ${expect.sceneChange}`,
      `${result.sceneChange} (scene "${result.scene}")`,
    );
  }
  if (expect.scene !== undefined && result.scene !== expect.scene) {
    fail('scene', `scene "${expect.scene}"`, `"${result.scene}"`);
  }
  if (expect.pipeline !== undefined && result.pipeline !== expect.pipeline) {
    const why = result.fallback ? ` (fallback: ${result.fallbackReason ?? 'unknown'})` : '';
    fail('pipeline', `pipeline "${expect.pipeline}"`, `"${result.pipeline}"${why}`);
  }
  if (expect.retried !== undefined && result.retried !== expect.retried) {
    fail('retried', `retried ${expect.retried}`, String(result.retried));
  }
  if (expect.fallback !== undefined && result.fallback !== expect.fallback) {
    const why = result.fallback ? ` (${result.fallbackReason ?? 'unknown'})` : '';
    fail('fallback', `fallback ${expect.fallback}`, `${result.fallback}${why}`);
  }
  if (expect.fallbackReason !== undefined && result.fallbackReason !== expect.fallbackReason) {
    fail(
      'fallbackReason',
      `fallbackReason "${expect.fallbackReason}"`,
      result.fallbackReason ? `"${result.fallbackReason}"` : 'none (no fallback)',
    );
  }
  for (const pattern of expect.actsInclude ?? []) {
    if (!result.acts.some((act) => actMatches(act, pattern))) {
      fail('actsInclude', `an act ${JSON.stringify(pattern)}`, actList(result.acts));
    }
  }
  if (expect.maxLatencyMs !== undefined && result.latencyMs > expect.maxLatencyMs) {
    fail('maxLatencyMs', `a latency of at most ${expect.maxLatencyMs} ms`, `${result.latencyMs} ms`);
  }
  if (expect.validFirstTry !== undefined) {
    const valid = isValidFirstTry(result);
    if (valid !== expect.validFirstTry) {
      const how = result.fallback
        ? `false (fallback: ${result.fallbackReason ?? 'unknown'})`
        : result.retried
          ? 'false (retried)'
          : result.pipeline === 'legacy'
            ? 'false (legacy answered: no AWF call)'
            : 'true';
      fail('validFirstTry', `validFirstTry ${expect.validFirstTry}`, how);
    }
  }
  return failures;
}

/** The AWF model's first answer was valid: AWF answered, with no retry and no fallback. */
export function isValidFirstTry(result: TurnResult): boolean {
  return result.pipeline === 'awf' && !result.retried && !result.fallback;
}

/** The act has the pattern's type and every field the pattern gives, with the same value. */
function actMatches(act: Act, pattern: ActPattern): boolean {
  if (act.type !== pattern.type) return false;
  const fields = act as unknown as Record<string, unknown>;
  return Object.entries(pattern).every(([field, value]) => value === undefined || fields[field] === value);
}

function actList(acts: readonly Act[]): string {
  return acts.length === 0 ? 'no acts' : JSON.stringify(acts);
}
