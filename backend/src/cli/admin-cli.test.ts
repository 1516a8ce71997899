import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { auditLogsCommand } from '../audit/audit-logs-command.js';
import { actorsCommand } from '../auth/actors-command.js';
import { overrideCommand } from '../rollout/override-command.js';
import { rolloutSetCommand } from '../rollout/rollout-set-command.js';
import { type CliCommand, parseCommand } from './cli-runner.js';

type AnyCommand = CliCommand<z.ZodType, never>;

/** What a script would do with these flags, before it opens the store. */
function parsed(command: AnyCommand, argv: string[]): unknown {
  const result = parseCommand(command, argv);
  return result.help ? 'help' : result.args;
}

function rejects(command: AnyCommand, argv: string[], pattern: RegExp, code = 'USAGE'): void {
  assert.throws(
    () => parseCommand(command, argv),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, code, `${argv.join(' ')}: ${error.message}`);
      assert.match(error.message, pattern);
      assert.match(error.message, /; see --help$/, 'points to --help');
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('awf-rollout-set.ts arguments', () => {
  it('reads the seed line, --global and --status', () => {
    assert.deepEqual(parsed(rolloutSetCommand, ['--percent', '25', '--actor', 'admin']), {
      percent: 25,
      actor: 'admin',
    });
    assert.equal((parsed(rolloutSetCommand, ['--global', 'off']) as { global: string }).global, 'off');
    assert.equal(parsed(rolloutSetCommand, ['--help']), 'help');
  });
  it('rejects bad percentages with ROLLOUT_INVALID_PERCENT', () => {
    for (const bad of ['150', '-1', 'abc', '12.345', '1e2', '']) {
      rejects(rolloutSetCommand, ['--percent', bad], /from 0 to 100/, 'ROLLOUT_INVALID_PERCENT');
    }
    rejects(rolloutSetCommand, ['--percent=-0.5'], /got "-0.5"/, 'ROLLOUT_INVALID_PERCENT');
  });
  it('rejects a missing value, unknown flags, nothing to do and mixed modes', () => {
    rejects(rolloutSetCommand, ['--percent'], /^--percent: needs a value/);
    rejects(rolloutSetCommand, ['--percent', '--actor', 'admin'], /^--percent: needs a value/);
    rejects(rolloutSetCommand, ['--percent', '5', '--yes'], /^--yes: unknown flag/);
    rejects(rolloutSetCommand, ['-p', '5'], /^-p: unknown flag/);
    rejects(rolloutSetCommand, ['25'], /^unexpected argument "25"/);
    rejects(rolloutSetCommand, [], /nothing to do/);
    rejects(rolloutSetCommand, ['--status', '--percent', '5'], /--status only reads/);
    rejects(rolloutSetCommand, ['--global', 'maybe'], /^--global: takes on or off; see --help$/);
    rejects(rolloutSetCommand, ['--percent', '25', '--percent', '30'], /^--percent: given more than once/);
  });
});

describe('awf-override.ts arguments', () => {
  it('reads the seed lines', () => {
    assert.deepEqual(parsed(overrideCommand, ['--user', 'user-123', '--enable', '--actor', 'admin']), {
      mode: 'set',
      subject: { kind: 'user', subjectId: 'user-123' },
      pipeline: 'awf',
      expiry: { ttl: undefined, expiresAt: undefined },
      reason: undefined,
      actor: 'admin',
      json: false,
    });
    assert.equal(
      (
        parsed(overrideCommand, ['--session', 'session-456', '--disable', '--actor', 'admin']) as {
          pipeline: string;
        }
      ).pipeline,
      'legacy',
    );
    assert.deepEqual(parsed(overrideCommand, ['--list']), {
      mode: 'list',
      since: '24h',
      actor: undefined,
      json: false,
    });
    assert.equal(
      (parsed(overrideCommand, ['--clear-all', '--actor', 'admin']) as { mode: string }).mode,
      'clear-all',
    );
    assert.equal((parsed(overrideCommand, ['--user', 'u', '--clear']) as { mode: string }).mode, 'clear');
  });
  it('rejects contradictions and missing parts', () => {
    rejects(overrideCommand, ['--user', 'u', '--enable', '--disable'], /--enable or --disable, not both/);
    rejects(overrideCommand, ['--enable'], /--user <id> or --session <id>/);
    rejects(overrideCommand, ['--user', 'u', '--session', 's', '--enable'], /--user or --session, not both/);
    rejects(overrideCommand, ['--user', 'u'], /nothing to do/);
    rejects(overrideCommand, ['--list', '--clear-all'], /give one of/);
    rejects(overrideCommand, ['--user', 'u', '--clear', '--ttl', '1h'], /go with --enable or --disable/);
    rejects(overrideCommand, ['--clear-all', '--user', 'u'], /--user goes with/);
    rejects(overrideCommand, ['--enable', '--since', '1h', '--user', 'u'], /--since goes with --list/);
    rejects(overrideCommand, ['--list', '--everything'], /^--everything: unknown flag/);
    rejects(overrideCommand, ['--user'], /^--user: needs a value/);
    rejects(overrideCommand, ['--user', 'a', '--user', 'b', '--enable'], /^--user: given more than once/);
    rejects(
      overrideCommand,
      ['--user', 'u', '--enable', '--ttl', 'soon'],
      /^--ttl: must be a positive duration/,
      'INVALID_INPUT',
    );
  });
});

describe('audit-logs.ts arguments', () => {
  it('reads --recent, filters, --verify and --checkpoint', () => {
    assert.equal((parsed(auditLogsCommand, ['--recent']) as { mode: string }).mode, 'recent');
    assert.equal((parsed(auditLogsCommand, ['--actor', 'admin']) as { mode: string }).mode, 'query');
    assert.equal((parsed(auditLogsCommand, ['--verify', '--json']) as { mode: string }).mode, 'verify');
    assert.equal((parsed(auditLogsCommand, ['--recent', '--limit', '10']) as { limit: number }).limit, 10);
  });
  it('rejects bad limits, mixed modes and misplaced flags', () => {
    rejects(auditLogsCommand, ['--limit', '0'], /^--limit: must be an integer from 1 to 10000; see --help$/);
    rejects(
      auditLogsCommand,
      ['--since', 'yesterday'],
      /^--since: must be a duration like 90s, 15m, 24h or 7d, or an ISO 8601 date-time with a zone/,
      'INVALID_INPUT',
    );
    rejects(auditLogsCommand, ['--limit', '10001'], /--limit: must be an integer/);
    rejects(auditLogsCommand, ['--limit', 'ten'], /--limit: must be an integer/);
    rejects(auditLogsCommand, ['--verify', '--export'], /give one of --export, --verify/);
    rejects(auditLogsCommand, ['--recent', '--verify'], /do not go together/);
    rejects(auditLogsCommand, ['--verify', '--actor', 'admin'], /takes no --actor/);
    rejects(auditLogsCommand, ['--recent', '--checkpoints', 'x'], /go with --verify/);
    rejects(auditLogsCommand, ['--export', '--limit', '5'], /--limit does not go with --export/);
  });
});

describe('awf-actors.ts arguments', () => {
  it('reads add, token, revoke and list', () => {
    assert.deepEqual(parsed(actorsCommand, ['add', 'alice', '--role', 'operator', '--ttl', '90d']), {
      command: 'add',
      name: 'alice',
      role: 'operator',
      expiry: { ttl: '90d', expiresAt: undefined },
      actor: undefined,
      json: false,
    });
    assert.equal(
      (parsed(actorsCommand, ['revoke', '--token', '0123456789ab']) as { tokenId: string }).tokenId,
      '0123456789ab',
    );
    assert.equal((parsed(actorsCommand, ['list']) as { command: string }).command, 'list');
  });
  it('rejects a missing command, name or role, unknown roles and extra arguments', () => {
    rejects(actorsCommand, [], /give a command/);
    rejects(actorsCommand, ['frobnicate'], /unknown command "frobnicate"/);
    rejects(actorsCommand, ['add'], /add needs the new actor's name/);
    rejects(actorsCommand, ['add', 'x'], /add needs --role/);
    rejects(actorsCommand, ['add', 'x', '--role', 'root'], /^--role: takes one of viewer/);
    rejects(
      actorsCommand,
      ['add', 'x1', '--role', 'viewer', '--role', 'admin'],
      /^--role: given more than once/,
    );
    rejects(actorsCommand, ['add', 'x', 'y', '--role', 'admin'], /unexpected argument "y"/);
    rejects(actorsCommand, ['revoke'], /either <name> or --token <id>/);
    rejects(actorsCommand, ['revoke', 'x', '--token', '0123456789ab'], /either <name> or --token <id>/);
    rejects(actorsCommand, ['revoke', '--token', 'xyz'], /12 lowercase hex/);
    rejects(actorsCommand, ['list', 'x'], /list takes only/);
  });
});
