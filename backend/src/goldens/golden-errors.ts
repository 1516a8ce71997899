import { AppError } from '../shared/errors.js';

/** A scenario file that is not valid JSON or breaks the scenario schema: one line, file and JSON path. */
export class ScenarioInvalidError extends AppError {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    problem: string,
  ) {
    super('GOLDEN_SCENARIO_INVALID', `${file}: ${jsonPath}: ${problem}`, 400, { file, jsonPath });
  }
}

/** A `--scenario` name with no `<name>.json` in the scenario directory. */
export class ScenarioNotFoundError extends AppError {
  constructor(name: string, dir: string, known: readonly string[]) {
    const hint = known.length > 0 ? `; known: ${known.join(', ')}` : '; the directory has no scenarios';
    super('GOLDEN_SCENARIO_NOT_FOUND', `no scenario "${name}" in ${dir}${hint}`, 404, { name, dir });
  }
}

/** The scenario directory cannot be read or holds no scenario: a gate that ran nothing must not pass. */
export class NoScenariosError extends AppError {
  constructor(dir: string, reason: string) {
    super('GOLDEN_NO_SCENARIOS', `no golden scenarios to run in ${dir}: ${reason}`, 400, { dir });
  }
}

/** Record, --update and --prune write or delete golden files, which CI must never do (DESIGN §6). */
export class GoldenWriteRefusedError extends AppError {
  constructor(what: string) {
    super(
      'GOLDEN_WRITE_REFUSED',
      `refusing to ${what} while CI=true: golden files are recorded locally and committed, never written by CI`,
      400,
    );
  }
}
