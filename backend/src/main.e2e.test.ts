import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestServices } from './app/testing/test-services.js';
import { seedActors } from './rollout/testing/control-plane.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'backend/src/main.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'awf-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = () => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  AWF_DB_PATH: path.join(dir, 'main.db'),
});

describe('the server process (npm start)', () => {
  it('--help prints what it serves, the main variables and where to read more, exits 0 and starts nothing', () => {
    const dbPath = path.join(dir, 'help.db');
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--help'], {
      cwd: ROOT,
      // A port that cannot be listened on: starting anything would fail loudly.
      env: { ...baseEnv(), AWF_DB_PATH: dbPath, PORT: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^Usage: npm start/m);
    assert.match(run.stdout, /\/api\/sessions/);
    assert.match(run.stdout, /AWF_DB_PATH \| DATABASE_URL/);
    assert.match(run.stdout, /README\.md/);
    assert.doesNotMatch(run.stdout, /listening on/);
    assert.equal(existsSync(dbPath), false, 'the store was opened');
  });

  it('refuses an unknown flag with one line and exit 2, starting nothing', () => {
    const dbPath = path.join(dir, 'bad-flag.db');
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--port', '8080'], {
      cwd: ROOT,
      env: { ...baseEnv(), AWF_DB_PATH: dbPath },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.deepEqual(run.stderr.trimEnd().split('\n'), ['error: --port: unknown flag; see --help']);
    assert.equal(existsSync(dbPath), false, 'the store was opened');
  });

  it('stops at start-up with exit 2 and one line per bad variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...baseEnv(), AWF_PERCENT_ROLLOUT: '150', AWF_BUNDLE_ON: 'maybe' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.deepEqual(run.stderr.trim().split('\n'), [
      'config error: AWF_BUNDLE_ON="maybe" is invalid: accepted values are true, false, 1 or 0',
      'config error: AWF_PERCENT_ROLLOUT="150" is invalid: accepted values are a number with at most 2 decimals from 0 to 100',
    ]);
  });

  it('listens, prints where, serves a turn and exits 0 on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...baseEnv(), PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk) => {
          out += chunk;
          const match = out.match(/listening on (http:\/\/\S+)/);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const opening = await (
        await fetch(`${address}/api/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ seed: 424242 }),
        })
      ).json();
      const turn = await fetch(`${address}/api/sessions/${opening.sessionId}/turns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'I step into the glade and look toward the eyes.' }),
      });
      assert.equal(turn.status, 200);
      assert.equal((await turn.json()).sceneChange, true);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });

  it('logs the effective routing state with sources at start, warns where env and store disagree, and gauges the switches', async () => {
    const sqlitePath = path.join(dir, 'routing.db');
    const seeded = await createTestServices({}, { sqlitePath, watchRollout: false, sloTimers: false });
    const { principals } = await seedActors(seeded.auth);
    await seeded.rollout.setRollout(principals.operator, { globalEnabled: true, percent: 25 });
    await seeded.dispose();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        AWF_DB_PATH: sqlitePath,
        PORT: '0',
        LOG_LEVEL: 'warn',
        AWF_BUNDLE_ON: 'false',
        AWF_PERCENT_ROLLOUT: '5',
        EMERGENCY_FALLBACK: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      // The routing line comes before the listening line, so waiting for the latter cannot hang.
      const lines = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk) => {
          out += chunk;
          if (/listening on http:\/\/\S+/.test(out)) resolve(out.split('\n'));
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
      });
      const routing = lines.filter((line) => line.startsWith('routing: '));
      assert.deepEqual(routing, [
        'routing: emergency fallback on (env), legacy forced off (default), global flag off (env; stored on), percent 25 (store; env 5 ignored), version 1',
      ]);
      const address = lines.join('\n').match(/listening on (http:\/\/\S+)/)?.[1];
      const metrics = await (await fetch(`${address}/metrics`)).text();
      assert.match(metrics, /^awf_rollout_emergency_fallback 1$/m);
      assert.match(metrics, /^awf_rollout_legacy_turn_enabled 0$/m);
      assert.match(stderr, /^warning: EMERGENCY_FALLBACK=true: every turn goes to legacy$/m);
      assert.match(
        stderr,
        /^warning: AWF_BUNDLE_ON=false in this process's environment overrides the stored global flag \(on\)$/m,
      );
      assert.match(
        stderr,
        /^warning: AWF_PERCENT_ROLLOUT=5 is ignored: the stored percentage \(25\) applies/m,
      );
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
