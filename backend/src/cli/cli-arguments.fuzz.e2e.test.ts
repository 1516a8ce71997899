import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { auditLogsCommand } from '../audit/audit-logs-command.js';
import { actorsCommand } from '../auth/actors-command.js';
import { feedbackCommand } from '../feedback/feedback-command.js';
import { loadCommand } from '../load/load-command.js';
import { overrideCommand } from '../rollout/override-command.js';
import { rolloutSetCommand } from '../rollout/rollout-set-command.js';
import { controlPlaneFingerprint, seedActors } from '../rollout/testing/control-plane.js';
import { sloRulesCommand } from '../slos/slo-rules-command.js';
import { sloStatusCommand } from '../slos/slo-status-command.js';
import { playCommand } from '../turns/play-command.js';
import { adminCaller } from './admin-cli.js';
import { UsageError } from './cli-errors.js';
import { type CliCommand, parseCommand, runCli } from './cli-runner.js';

/** Seeded and bounded: the same argument vectors on every run. */
const SEED = 14;

/** Words an operator might type, right or wrong, beside the command's own flags. */
const WORDS = [
  'admin',
  'viewer-1',
  'operator',
  'nobody',
  'user-123',
  'session-456',
  'add',
  'list',
  'token',
  'revoke',
  '25',
  '100',
  '100.001',
  '-1',
  '0',
  'on',
  'off',
  'yes',
  '1h',
  '24h',
  '7d',
  '0s',
  '-5m',
  'awf',
  'legacy',
  'down',
  'up',
  '--',
  '',
  ' ',
  '2026-01-01T00:00:00Z',
  'not-a-date',
  '\u0000',
  'abcdefabcdef',
  '5m',
  'x=1',
];

/** Argument vectors built from the command's flags (long, short, `--flag=value`), the words, and noise. */
function argv(command: Pick<CliCommand<never, unknown>, 'flags'>) {
  const names = Object.keys(command.flags);
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names).map((name) => `--${name}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...names), fc.constantFrom(...WORDS))
        .map(([n, w]) => `--${n}=${w}`),
    },
    { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom('--unknown', '-x', '-') },
  );
  return fc.array(token, { maxLength: 6 });
}

const quiet = () => ({ write: () => true });

describe('CLI argument vectors for every script under property-based fuzzing', () => {
  let services: TestServices;
  let adminToken: string;

  before(async () => {
    services = await createTestServices(
      { AWF_CHANGE_RATE_LIMIT: '100000' },
      { watchRollout: false, sloTimers: false },
    );
    adminToken = (await seedActors(services.auth)).tokens.admin;
  });
  after(async () => {
    await services.dispose();
  });

  // The scripts that read and change the store run their real command on a real store, as the admin.
  const storeScripts: Array<[string, CliCommand<never, never>]> = [
    ['awf-rollout-set', rolloutSetCommand as never],
    ['awf-override', overrideCommand as never],
    ['awf-actors', actorsCommand as never],
    ['audit-logs', auditLogsCommand as never],
    ['awf-feedback', feedbackCommand as never],
    ['slo-status', sloStatusCommand as never],
  ];
  for (const [script, command] of storeScripts) {
    it(`${script}: exits 0, 1 or 2, never 3, and a 2 changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(argv(command), async (args) => {
          const env = { AWF_ADMIN_TOKEN: adminToken };
          const before = await controlPlaneFingerprint(services.database);
          let stderr = '';
          const code = await runCli(
            command,
            () => ({ deps: { ...services, caller: adminCaller(services.auth, env) } as never }),
            {
              argv: args,
              stdin: Readable.from([]),
              stdout: quiet(),
              stderr: { write: (text: string) => (stderr += text) },
              env,
              cwd: process.cwd(),
            },
          );
          const what = `${script} ${JSON.stringify(args)}: exit ${code} ${stderr}`;
          assert.ok(code === 0 || code === 1 || code === 2, what);
          if (code === 2) {
            assert.match(stderr, /^error: /, what);
            assert.deepEqual(await controlPlaneFingerprint(services.database), before, what);
          }
        }),
        { seed: SEED, numRuns: 60 },
      );
    });
  }

  // play is interactive, load starts servers and slo-rules writes files: their argv is fuzzed up to
  // the runner's verdict, which is all that decides between running and exit 2.
  const parseOnly: Array<[string, CliCommand<never, never>]> = [
    ['play', playCommand as never],
    ['load', loadCommand as never],
    ['slo-rules', sloRulesCommand as never],
  ];
  for (const [script, command] of parseOnly) {
    it(`${script}: argument vectors either parse or are a usage error (exit 2), never a crash`, () => {
      fc.assert(
        fc.property(argv(command), (args) => {
          try {
            parseCommand(command, args);
          } catch (error) {
            assert.ok(
              error instanceof UsageError || (error as { status?: number }).status === 400,
              `${script} ${JSON.stringify(args)}: ${error}`,
            );
          }
        }),
        { seed: SEED, numRuns: 300 },
      );
    });
  }
});
