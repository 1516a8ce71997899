import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError } from '../config/config.js';
import { InvalidInputError } from '../shared/errors.js';
import { EXIT, UsageError } from './cli-errors.js';
import { type CliCommand, flagValue, parseCommand, runCli, type Wire } from './cli-runner.js';

/** A command shaped like the admin scripts: a string flag with a checked value, a boolean, a repeatable flag. */
const schema = z.object({
  percent: flagValue((text) => {
    if (!/^\d+$/.test(text)) throw new InvalidInputError(`percent must be a whole number, got "${text}"`);
    return Number(text);
  }).optional(),
  mode: z.enum(['fast', 'slow'], 'must be fast or slow').optional(),
  tag: z.array(z.string()).default([]),
  json: z.boolean().optional(),
});

interface Deps {
  answer: number;
}

const command: CliCommand<typeof schema, Deps> = {
  help: 'Usage: demo [--percent N] [--mode fast|slow] [--tag T]... [--json]\nExit codes: 0 done',
  flags: {
    percent: { type: 'string' },
    mode: { type: 'string', short: 'm' },
    tag: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  schema,
  async run(args, cli) {
    cli.out(JSON.stringify(args));
    cli.note('a note');
    return cli.deps.answer;
  },
};

/** Runs `command` in this process and records what it printed and whether `wire` was called. */
async function run(
  argv: string[],
  options: { wire?: Wire<Deps>; env?: Record<string, string>; target?: CliCommand<typeof schema, Deps> } = {},
) {
  let stdout = '';
  let stderr = '';
  let wired = false;
  let closed = false;
  const wire: Wire<Deps> = async (env) => {
    wired = true;
    const inner = options.wire ? await options.wire(env) : { deps: { answer: 0 } };
    return {
      ...inner,
      close: async () => {
        closed = true;
      },
    };
  };
  const code = await runCli(options.target ?? command, wire, {
    argv,
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr, wired, closed };
}

/** A usage error as every script prints it: exit 2, one line, nothing on stdout, nothing opened. */
async function assertUsage(argv: string[], line: string): Promise<void> {
  const result = await run(argv);
  assert.equal(result.code, EXIT.usage, argv.join(' '));
  assert.equal(result.stdout, '', 'nothing on stdout');
  assert.equal(result.stderr, `${line}\n`);
  assert.equal(result.wired, false, 'checked before anything is opened');
}

describe('runCli()', () => {
  it('when the flags are valid: wires, runs, closes and returns the run’s code', async () => {
    const result = await run(['--percent', '25', '--tag', 'a', '--tag', 'b', '-m', 'fast'], {
      wire: () => ({ deps: { answer: 1 } }),
    });
    assert.equal(result.code, 1);
    assert.deepEqual(JSON.parse(result.stdout), { percent: 25, mode: 'fast', tag: ['a', 'b'] });
    assert.equal(result.stderr, 'a note\n');
    assert.equal(result.closed, true);
  });

  describe('--help and -h', () => {
    it('print the help, exit 0 and open nothing, even beside a mistake', async () => {
      for (const argv of [
        ['--help'],
        ['-h'],
        ['--percent', '25', '--percent', '30', '--help'],
        ['--bogus', '-h'],
      ]) {
        const result = await run(argv);
        assert.equal(result.code, EXIT.ok, argv.join(' '));
        assert.equal(result.stdout, `${command.help}\n`);
        assert.equal(result.stderr, '');
        assert.equal(result.wired, false);
      }
    });
  });

  describe('a usage error: `error: --flag: what is wrong; see --help`, exit 2, nothing opened', () => {
    it('a repeated flag', async () => {
      await assertUsage(
        ['--percent', '25', '--percent', '30'],
        'error: --percent: given more than once; give it once; see --help',
      );
      await assertUsage(
        ['--json', '--json'],
        'error: --json: given more than once; give it once; see --help',
      );
      await assertUsage(
        ['--mode', 'fast', '-m', 'slow'],
        'error: --mode: given more than once; give it once; see --help',
      );
    });

    it('an unknown flag, long or short', async () => {
      await assertUsage(['--force'], 'error: --force: unknown flag; see --help');
      await assertUsage(['-p', '5'], 'error: -p: unknown flag; see --help');
      await assertUsage(['--force=yes'], 'error: --force: unknown flag; see --help');
    });

    it('a missing value, and a value given to a boolean flag', async () => {
      await assertUsage(['--percent'], 'error: --percent: needs a value; see --help');
      await assertUsage(['--percent', '--json'], 'error: --percent: needs a value; see --help');
      await assertUsage(['--json=yes'], 'error: --json: takes no value; see --help');
    });

    it('a malformed value: the schema’s message once, without the flag’s name doubled', async () => {
      await assertUsage(['--mode', 'medium'], 'error: --mode: must be fast or slow; see --help');
      await assertUsage(
        ['--percent', 'lots'],
        'error: --percent: must be a whole number, got "lots"; see --help',
      );
      await assertUsage(
        ['--percent', '-1'],
        'error: --percent: must be a whole number, got "-1"; see --help',
      );
    });

    it('a stray argument', async () => {
      await assertUsage(['25'], 'error: unexpected argument "25"; see --help');
    });

    it('keeps a coded value error’s code', () => {
      assert.throws(
        () => parseCommand(command, ['--percent', 'x']),
        (error: unknown) => error instanceof UsageError && error.code === 'INVALID_INPUT',
      );
    });
  });

  describe('failures after the flags', () => {
    it('a 4xx error of the command (input, auth, rate limit): one line, exit 2, closed', async () => {
      const result = await run([], {
        target: {
          ...command,
          run: async () => {
            throw new InvalidInputError('no override for user u');
          },
        },
      });
      assert.deepEqual(
        [result.code, result.stdout, result.stderr],
        [2, '', 'error: no override for user u\n'],
      );
      assert.equal(result.closed, true);
    });

    it('a config error: one line per problem, exit 2', async () => {
      const result = await run([], {
        wire: () => {
          throw new ConfigError(['PORT must be 0-65535, got "x"', 'SLO_MIN_SAMPLE must be a whole number']);
        },
      });
      assert.equal(result.code, EXIT.usage);
      assert.equal(
        result.stderr,
        'error: PORT must be 0-65535, got "x"\nerror: SLO_MIN_SAMPLE must be a whole number\n',
      );
    });

    it('a store that cannot be reached: one line without the stack, exit 3', async () => {
      const refused = Object.assign(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), {
        code: 'ECONNREFUSED',
      });
      const result = await run([], {
        wire: () => {
          throw refused;
        },
      });
      assert.equal(result.code, EXIT.runtime);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, 'error: connect ECONNREFUSED 127.0.0.1:1\n');
    });

    it('with LOG_LEVEL=debug, a runtime failure also prints its stack', async () => {
      const result = await run([], {
        env: { LOG_LEVEL: 'debug' },
        wire: () => {
          throw new Error('disk full');
        },
      });
      assert.equal(result.code, EXIT.runtime);
      const [first, ...rest] = result.stderr.trimEnd().split('\n');
      assert.equal(first, 'error: disk full');
      assert.match(rest.join('\n'), /^Error: disk full\n\s+at /);
    });
  });
});
