import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { type Flags, parseCommand } from './cli-runner.js';
import {
  MAX_SEED,
  parseTurnsPerSecond,
  seedFlag,
  turnsPerSecondFlag,
  wholeNumberFlag,
} from './quantity-flags.js';

const flags: Flags = {
  count: { type: 'string' },
  seed: { type: 'string' },
  'short-seed': { type: 'string' },
  rate: { type: 'string' },
};

const command = {
  flags,
  schema: z.object({
    count: wholeNumberFlag(1, 16).optional(),
    seed: seedFlag().optional(),
    'short-seed': seedFlag({ maxDigits: 10 }).optional(),
    rate: turnsPerSecondFlag({ max: 1000, example: '20/s' }).optional(),
  }),
};

/** The parsed value of `--flag value`, or the one error line the runner would print. */
function parse(flag: string, value: string): unknown {
  try {
    const parsed = parseCommand(command, [`--${flag}=${value}`]);
    return parsed.help ? 'help' : (parsed.args as Record<string, unknown>)[flag];
  } catch (error) {
    return (error as Error).message;
  }
}

describe('wholeNumberFlag(min, max)', () => {
  it('takes digits from min to max, leading zeros included', () => {
    assert.equal(parse('count', '1'), 1);
    assert.equal(parse('count', '16'), 16);
    assert.equal(parse('count', '0016'), 16);
  });

  it('refuses a value out of range, a sign, a point, a blank or an exponent with the range in words', () => {
    for (const value of ['0', '17', '-1', '+1', '1.0', ' 1', '1e1', '', 'ten', '99999999999999999999999']) {
      assert.equal(parse('count', value), '--count: must be a whole number from 1 to 16; see --help', value);
    }
  });
});

describe('seedFlag()', () => {
  it('takes 0 to MAX_SEED (32 bits)', () => {
    assert.equal(MAX_SEED, 2 ** 32 - 1);
    assert.equal(parse('seed', '0'), 0);
    assert.equal(parse('seed', '4294967295'), MAX_SEED);
    assert.equal(parse('seed', '00000000001'), 1);
  });

  it('refuses 4294967296 and -1', () => {
    for (const value of ['4294967296', '-1']) {
      assert.equal(parse('seed', value), '--seed: must be a whole number from 0 to 4294967295; see --help');
    }
  });

  it('with maxDigits: refuses a longer value even when its leading zeros keep it in range', () => {
    assert.equal(parse('short-seed', '0000000001'), 1);
    assert.equal(
      parse('short-seed', '00000000001'),
      '--short-seed: must be a whole number from 0 to 4294967295; see --help',
    );
  });
});

describe('parseTurnsPerSecond()', () => {
  it('reads `R/s` or a bare `R`, decimals and surrounding blanks allowed', () => {
    assert.equal(parseTurnsPerSecond('20/s'), 20);
    assert.equal(parseTurnsPerSecond('20'), 20);
    assert.equal(parseTurnsPerSecond(' 2.5/s '), 2.5);
    assert.equal(parseTurnsPerSecond('0/s'), 0);
  });

  it('is undefined for another unit, a sign or an exponent', () => {
    for (const text of ['5/min', '20/S', '20 /s', '-1/s', '1e3', '/s', '.5', '']) {
      assert.equal(parseTurnsPerSecond(text), undefined, text);
    }
  });
});

describe('turnsPerSecondFlag({max, example})', () => {
  it('takes a rate above 0 and at most max', () => {
    assert.equal(parse('rate', '0.001/s'), 0.001);
    assert.equal(parse('rate', '1000/s'), 1000);
  });

  it('refuses 0, more than max or another unit, naming the limit, the example and what was given', () => {
    for (const value of ['0/s', '1000.5', '5/min']) {
      assert.equal(
        parse('rate', value),
        `--rate: must be turns per second above 0 and at most 1000, e.g. 20/s (got ${JSON.stringify(value)}); see --help`,
      );
    }
  });
});
