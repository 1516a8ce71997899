import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../config.js';

/** The problems parseConfig reports for `env`; fails the test when it reports none. */
export function configProblemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}
