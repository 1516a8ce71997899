import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('tsx backend/scripts/awf-feedback.ts', () => {
  let services: TestServices;
  let viewerToken = '';

  const awfFeedback = (args: string[], token: string = viewerToken) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts/awf-feedback.ts'), ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          AWF_DB_PATH: services.sqlitePath,
          ...(token ? { AWF_ADMIN_TOKEN: token } : {}),
        },
      },
    );

  before(async () => {
    services = await createTestServices(
      { AWF_BUNDLE_ON: 'false' },
      { sloTimers: false, watchRollout: false },
    );
    const admin = await services.auth.addFirstAdmin({ name: 'root', via: 'cli' });
    const principal = { actor: admin.actor, role: admin.role, tokenId: admin.tokenId };
    viewerToken = (await services.auth.addActor(principal, { name: 'oncall', role: 'viewer' })).token;
    await services.turns.startSession({ sessionId: 'cli-1', seed: 3 });
    await services.turns.playTurn('cli-1', '1');
    await services.turns.playTurn('cli-1', '1');
    await services.feedback.rateTurn('cli-1', 1, {
      rating: 'down',
      reason: 'offensive',
      comment: 'rude \u001b[2J\u202eevil\nline two',
    });
    await services.feedback.rateTurn('cli-1', 2, { rating: 'up' });
  });
  after(async () => {
    await services.dispose();
  });

  it('--recent lists ratings newest first, comments as plain text with control characters escaped', () => {
    const run = awfFeedback(['--recent']);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^2 ratings since /);
    assert.match(lines[1] ?? '', / up legacy cli-1#2 route=global_disabled$/);
    assert.match(
      lines[2] ?? '',
      / down offensive legacy cli-1#1 route=global_disabled "rude \\u001b\[2J\\u202eevil\\u000aline two"$/,
    );
    assert.equal(lines.length, 3);
  });

  it('--rating down --pipeline legacy --json filters, and prints the stored rows as JSON', () => {
    const run = awfFeedback(['--recent', '--rating', 'down', '--pipeline', 'legacy', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const rows = JSON.parse(run.stdout);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].comment, 'rude \u001b[2J\u202eevil\nline two');
    assert.equal(awfFeedback(['--recent', '--pipeline', 'awf', '--json']).stdout.trim(), '[]');
  });

  it('rejects a bad flag with one line and exit 2, before opening the store', () => {
    const run = awfFeedback(['--recent', '--rating', 'meh']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^error: --rating: must be up or down; see --help\n$/);
    assert.equal(awfFeedback(['--recent', '--since', 'yesterday']).status, 2);
  });

  it('is read-protected like SLO data: no token, exit 2', () => {
    const run = awfFeedback(['--recent'], '');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /AWF_ADMIN_TOKEN/);
  });
});

describe('feedback retention', () => {
  it('prunes feedback rows older than the SLO retention (SLO_RETENTION_DAYS while no policy is stored)', async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const services = await createTestServices(
      { AWF_BUNDLE_ON: 'false', SLO_RETENTION_DAYS: '7' },
      { sloTimers: false, watchRollout: false, clock: () => new Date(now) },
    );
    try {
      await services.turns.startSession({ sessionId: 'old', seed: 1 });
      await services.turns.playTurn('old', '1');
      await services.feedback.rateTurn('old', 1, { rating: 'down' });
      await services.retention.prune(undefined);
      const since = new Date(0).toISOString();
      assert.equal((await services.feedback.listRecent({ since, limit: 10 })).length, 1);
      now += 8 * 24 * 60 * 60_000;
      const pruned = await services.retention.prune(undefined);
      assert.equal(pruned.removed.feedback, 1);
      assert.deepEqual(await services.feedback.listRecent({ since, limit: 10 }), []);
    } finally {
      await services.dispose();
    }
  });
});
