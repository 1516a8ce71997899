import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from './store/database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A process manager's usual grace period between SIGTERM and SIGKILL (the bound). */
const GRACE_MS = 5000;

/**
 * `npm start` as a process manager runs it: the signal goes to the npm process, not to the server.
 * npm forwards it to its child; the start script must make that child the server itself.
 */
async function startAndSignal(signal: NodeJS.Signals, dbPath: string): Promise<number | null> {
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    // Its own process group, so the finally block can clean up whatever is left if the test fails.
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      AWF_DB_PATH: dbPath,
      LOG_LEVEL: 'warn',
      // Only the graceful stop writes the aggregates, so finding them proves the flush ran.
      SLO_FLUSH_INTERVAL_SECONDS: '0',
      SLO_EVALUATION_INTERVAL_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  npm.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        const match = output.match(/listening on (http:\/\/\S+)/);
        if (match?.[1]) {
          clearInterval(poll);
          resolve(match[1]);
        }
      }, 50);
      void exited.then((code) => {
        clearInterval(poll);
        reject(new Error(`npm start exited early (${code}):\n${output}`));
      });
    });
    const opening = await (await fetch(`${address}/api/sessions`, { method: 'POST' })).json();
    const turn = await fetch(`${address}/api/sessions/${opening.sessionId}/turns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'look around' }),
    });
    assert.equal(turn.status, 200);

    npm.kill(signal);
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), GRACE_MS).unref()),
    ]);
    assert.notEqual(code, 'timeout', `npm start still running ${GRACE_MS} ms after ${signal}:\n${output}`);
    // The server is gone too, not orphaned behind a dead npm.
    await assert.rejects(fetch(`${address}/healthz`), 'the server still answers after npm exited');
    assert.match(output, /AWF backend stopped/);
    return code as number | null;
  } finally {
    try {
      process.kill(-(npm.pid as number), 'SIGKILL');
    } catch {
      // Already gone: the expected case.
    }
    await exited;
  }
}

async function flushedTurns(dbPath: string): Promise<number> {
  const database = await openDatabase({ sqlitePath: dbPath });
  try {
    const rows = await database.db.selectFrom('slo_minutes').select(['turns']).execute();
    return rows.reduce((sum, row) => sum + Number(row.turns), 0);
  } finally {
    await database.close();
  }
}

describe('npm start under a process manager', { timeout: 60_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the server gracefully within 5 s when ${signal} reaches the npm process, flushing the SLO aggregates`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'awf-npm-start-'));
      try {
        const dbPath = path.join(dir, 'awf.db');
        assert.equal(await startAndSignal(signal, dbPath), 0);
        assert.equal(await flushedTurns(dbPath), 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
