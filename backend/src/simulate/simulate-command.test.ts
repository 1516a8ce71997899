import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { runCli } from '../cli/cli-runner.js';
import { type SimulateDeps, simulateCommand, simulatedEnvironment } from './simulate-command.js';

async function run(argv: string[]) {
  let opened = 0;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const deps: SimulateDeps = {
    openProcess: () => {
      opened += 1;
      throw new Error('a rejected command must not open anything');
    },
    runGoldens: () => {
      opened += 1;
      throw new Error('a rejected command must not run anything');
    },
  };
  const code = await runCli(simulateCommand, () => ({ deps }), {
    argv,
    stdin: Readable.from([]),
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join(''), opened };
}

describe('npm run simulate', () => {
  it('answers a bad flag with one line naming it, exit 2, and opens no store', async () => {
    for (const [argv, names] of [
      [[], '--scenario'],
      [['--scenario', 'sunny'], '--scenario'],
      [['--scenario', 'healthy', '--days', '0'], '--days'],
      [['--scenario', 'healthy', '--days', 'week'], '--days'],
      [['--scenario', 'healthy', '--rate', '0/s'], '--rate'],
      [['--scenario', 'healthy', '--rate', '5/min'], '--rate'],
      [['--scenario', 'healthy', '--seed', '-1'], '--seed'],
      [['--scenario', 'healthy', '--seed', '4294967296'], '--seed'],
      [['--scenario', 'healthy', '--json', 'yes'], '"yes"'],
      [['--scenario', 'healthy', '--speed', '2'], '--speed'],
      [['--scenario', 'healthy', '--scenario', 'flapping'], '--scenario'],
    ] as Array<[string[], string]>) {
      const result = await run(argv);
      assert.equal(result.code, 2, argv.join(' '));
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.ok(result.stderr.startsWith('error: ') && result.stderr.includes(names), result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(result.opened, 0);
    }
  });

  it('--help lists every scenario with its defaults', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0);
    for (const name of [
      'healthy',
      'bad-canary',
      'slow-degradation',
      'no-traffic',
      'flapping',
      'provider-outage',
    ]) {
      assert.match(result.stdout, new RegExp(`^  ${name} .*default \\d+(\\.\\d+)?/s for`, 'm'));
    }
  });
});

describe('simulatedEnvironment()', () => {
  it('passes the SLO settings and the plan interval only: never a database, a webhook or the rollout variables', () => {
    assert.deepEqual(
      simulatedEnvironment({
        SLO_FALLBACK_RATE: '2',
        SLO_MIN_SAMPLE: '50',
        SLO_ALERT_WEBHOOK_URL: 'https://hooks.example/x',
        DATABASE_URL: 'postgres://prod',
        AWF_DB_PATH: '/var/awf.db',
        AWF_PERCENT_ROLLOUT: '100',
        AWF_PLAN_INTERVAL_MS: '300000',
      }),
      { SLO_FALLBACK_RATE: '2', SLO_MIN_SAMPLE: '50', AWF_PLAN_INTERVAL_MS: '300000' },
    );
  });
});
