import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, runScript } from './testing/run-script.js';

/** `npm run demo -- …args` (node --import tsx backend/scripts/demo.ts), kept running until told to stop. */
function startDemo(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'backend/scripts/demo.ts'), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until<T>(
  what: string,
  read: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('npm run demo', () => {
  it('answers --help and refuses bad flags with one line and exit 2', async () => {
    const help = await runScript('demo', ['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--minutes/);
    for (const args of [['--minutes', '0'], ['--port', 'x'], ['--bogus'], ['--seed', '-1']]) {
      const run = await runScript('demo', args, {});
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^error: /);
    }
  });

  it('serves traffic, changes the percent as an audited actor, and leaves nothing behind on Ctrl-C', async () => {
    const demo = startDemo(['--port', '0', '--minutes', '0.5', '--seed', '7']);
    try {
      const printed = await until(
        'the URL and token',
        () => {
          const { stdout } = demo.output();
          const url = /^dashboard: (http:\/\/\S+)\/dashboard$/m.exec(stdout)?.[1];
          const token = /^admin token \(actor demo-admin\): (\S+)$/m.exec(stdout)?.[1];
          const db = /temporary SQLite (\S+), removed on exit/.exec(stdout)?.[1];
          return url && token && db ? { url, token, db } : undefined;
        },
        60_000,
      );
      assert.ok(existsSync(printed.db), 'the temporary database exists while the demo runs');
      const admin = async (route: string) => {
        const response = await fetch(`${printed.url}${route}`, {
          headers: { authorization: `Bearer ${printed.token}` },
        });
        assert.equal(response.status, 200, route);
        return response.json();
      };
      // Traffic: the distribution counts answered turns.
      await until(
        'answered turns',
        async () => {
          const distribution = (await admin('/api/admin/rollout/distribution')) as {
            answered: { turns: { awf: number; legacy: number } };
          };
          const { awf, legacy } = distribution.answered.turns;
          return awf + legacy > 0 ? true : undefined;
        },
        30_000,
      );
      // The rollout advances: at least two changes by the demo actor, each one audit entry.
      const changes = await until(
        'two rollout changes by the demo actor',
        async () => {
          const entries = (await admin('/api/admin/audit?actor=demo&limit=50')) as Array<{
            action: string;
            details: { new: unknown };
          }>;
          const rollout = entries.filter((entry) => entry.action.startsWith('rollout.'));
          return rollout.length >= 2 ? rollout : undefined;
        },
        30_000,
      );
      assert.ok(changes.length >= 2);
      const status = (await admin('/api/admin/rollout')) as {
        effective: { percent: { value: number; source: string }; updatedBy: string };
      };
      assert.equal(status.effective.percent.source, 'store');
      assert.equal(status.effective.updatedBy, 'demo');
      assert.ok(status.effective.percent.value > 0);

      demo.child.kill('SIGINT');
      const code = await demo.exited;
      const { stdout, stderr } = demo.output();
      assert.equal(code, 0, `${stdout}\n${stderr}`);
      assert.match(stdout, /AWF demo stopped/);
      assert.equal(existsSync(path.dirname(printed.db)), false, 'the temporary directory is removed');
    } finally {
      if (demo.child.exitCode === null && demo.child.signalCode === null) {
        demo.child.kill('SIGKILL');
        await demo.exited;
      }
    }
  });
});
