import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** The server's and the gate's SLO settings. */
const SLO_ENV = { SLO_EVALUATION_WINDOW: '1h', SLO_MIN_SAMPLE: '20' };

/** `slo-status.ts --json` on the same store, as a deploy gate runs it. */
function sloStatusJson(
  sqlitePath: string,
  token: string,
  window: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts/slo-status.ts'), '--json', '--window', window],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          AWF_DB_PATH: sqlitePath,
          AWF_ADMIN_TOKEN: token,
          ...SLO_ENV,
        },
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('GET /api/admin/slo', () => {
  let api: AdminApi;
  before(async () => {
    api = await startAdminApi(undefined, SLO_ENV);
    const rollout = await api.call('PUT', '/api/admin/rollout', 'operator', {
      globalEnabled: true,
      percent: 25,
    });
    assert.equal(rollout.statusCode, 200, rollout.body);
    // 40 AWF turns, 4 falling back (10 % > 1 %), then one evaluation fires the critical alert.
    for (let i = 0; i < 40; i++) {
      api.services.slos.recordTurn({ pipeline: 'awf', latencyMs: 1200, retried: false, fallback: i < 4 });
    }
    await api.services.slos.evaluate();
  });
  after(async () => {
    await api.close();
  });

  it('answers a viewer with exactly what slo-status --json prints for the window (but the read time)', async () => {
    const response = await api.call('GET', '/api/admin/slo?window=24h', 'viewer');
    assert.equal(response.statusCode, 200, response.body);
    const cli = await sloStatusJson(api.services.sqlitePath, api.tokens.viewer, '24h');
    assert.equal(cli.code, 1);
    const { to: httpTo, ...http } = response.json();
    const { to: cliTo, ...printed } = JSON.parse(cli.stdout);
    assert.deepEqual(http, printed);
    assert.equal(typeof httpTo, 'string');
    assert.equal(typeof cliTo, 'string');
    assert.equal(http.status, 'violated');
    assert.equal(http.window, '24h');
    assert.match(
      http.result,
      /^violated: fallback rate \(critical\); alert firing: fallback rate \(critical\)/,
    );
    assert.deepEqual(
      http.alerts.map((alert: { slo: string }) => alert.slo),
      ['fallback_rate'],
    );
    assert.equal(http.rollout.awfTurnsSinceChange, 0);
  });

  it('judges SLO_EVALUATION_WINDOW when no window is asked for, for any role with slo.read', async () => {
    for (const role of ['viewer', 'operator', 'admin', 'auditor'] as const) {
      const response = await api.call('GET', '/api/admin/slo', role);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().window, '1h');
    }
  });

  it('refuses a bad window with 400 INVALID_INPUT naming it, and an unknown parameter', async () => {
    const bad = await api.call('GET', '/api/admin/slo?window=2w', 'viewer');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().error, {
      code: 'INVALID_INPUT',
      message: 'window must be one of 5m, 1h, 24h, 7d (got "2w")',
    });
    const unknown = await api.call('GET', '/api/admin/slo?since=1h', 'viewer');
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'INVALID_INPUT');
  });

  it('refuses a caller without a token (401) and with an unknown one, writing auth.denied', async () => {
    const seq = await api.headSeq();
    const missing = await api.call('GET', '/api/admin/slo', undefined);
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().error.code, 'AUTH_MISSING_TOKEN');
    const unknown = await api.call('GET', '/api/admin/slo', undefined, undefined, {
      authorization: 'Bearer awf_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error.code, 'AUTH_INVALID_TOKEN');
    const denied = await api.services.audit.query({ action: 'auth.denied', afterSeq: seq, order: 'asc' });
    assert.deepEqual(
      denied.map((entry) => [entry.details.permission, entry.details.via]),
      [
        ['slo.read', 'http'],
        ['slo.read', 'http'],
      ],
    );
  });
});
