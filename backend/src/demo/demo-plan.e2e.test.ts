import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../scripts/testing/run-script.js';

/** `npm run demo -- …args` (node --import tsx backend/scripts/demo.ts), kept running until told to stop. */
function startDemo(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'backend/scripts/demo.ts'), ...args],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
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
    await sleep(500);
  }
}

interface Decision {
  id: string;
  at: string;
  stage: number;
  stagePercent: number | 'shadow';
  action: string;
  reason: string;
  evidence: { gates?: Array<{ name: string; status: string; summary: string }> };
  auditSeq?: number | null;
}

interface AuditEntry {
  seq: number;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

describe('npm run demo with the staged plan', { timeout: 360_000 }, () => {
  it('advances a real plan, rolls it back after the fault with its evidence, audits it all, and leaves nothing behind on Ctrl-C', async () => {
    // Short bakes and a fast controller (the demo's own flags) so the story fits a test.
    const demo = startDemo(['--port', '0', '--bake', '8', '--interval', '1', '--seed', '7']);
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
        90_000,
      );
      assert.ok(existsSync(printed.db), 'the temporary database exists while the demo runs');
      const admin = async <T>(route: string): Promise<T> => {
        const response = await fetch(`${printed.url}${route}`, {
          headers: { authorization: `Bearer ${printed.token}` },
        });
        assert.equal(response.status, 200, route);
        return (await response.json()) as T;
      };

      const decisions = await until(
        'the plan to roll back',
        async () => {
          const { decisions } = await admin<{ decisions: Decision[] }>(
            '/api/admin/plan/decisions?limit=1000',
          );
          return decisions.some((decision) => decision.action === 'rollback') ? decisions : undefined;
        },
        240_000,
      );
      const timeline = [...decisions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      const rollbacks = timeline.filter((decision) => decision.action === 'rollback');
      assert.equal(rollbacks.length, 1, 'one rollback');
      const rollback = rollbacks[0] as Decision;
      const advances = timeline.filter(
        (decision) => decision.action === 'advance' && Date.parse(decision.at) <= Date.parse(rollback.at),
      );
      assert.ok(advances.length >= 1, 'the plan advanced at least once before the rollback');
      assert.deepEqual(
        advances.map((decision) => decision.stagePercent),
        [5, 25, 50].slice(0, advances.length),
        'advances go up the stages in order',
      );
      assert.match(rollback.reason, /^gate_failed:/);
      assert.ok(
        rollback.evidence.gates?.some((gate) => gate.status === 'fail'),
        'the rollback records the failing gate',
      );

      const { plan } = await admin<{ plan: { state: string; startedBy: string } }>('/api/admin/plan');
      assert.equal(plan.state, 'rolled_back');
      assert.equal(plan.startedBy, 'demo');
      const status = await admin<{ effective: { percent: { value: number } } }>('/api/admin/rollout');
      assert.equal(status.effective.percent.value, 0, 'the rollback put AWF back to 0 %');

      // The audit feed: the start, the controller's advances, the second operator's approval, and
      // exactly one rollback entry carrying the evidence.
      const feed = await admin<AuditEntry[]>('/api/admin/audit?limit=10000');
      const of = (action: string) => feed.filter((entry) => entry.action === action);
      assert.deepEqual(
        of('plan.started').map((entry) => entry.actor),
        ['demo'],
      );
      assert.equal(of('plan.advanced').length, advances.length);
      assert.deepEqual(
        of('plan.approved').map((entry) => entry.actor),
        ['demo-approver'],
      );
      const rolledBack = of('plan.rolled_back');
      assert.equal(rolledBack.length, 1, 'one audit entry for the rollback');
      const entry = rolledBack[0] as AuditEntry;
      assert.equal(entry.seq, rollback.auditSeq);
      assert.equal(entry.details.reason, rollback.reason);
      const evidence = entry.details.evidence as { gates?: Array<{ status: string }> } | undefined;
      assert.ok(
        evidence?.gates?.some((gate) => gate.status === 'fail'),
        'the audit entry carries the evidence',
      );
      for (const advanced of of('plan.advanced')) assert.ok(advanced.seq < entry.seq);

      // The terminal told the same story as it happened (the story reads the decisions every second).
      const stdout = await until(
        'the rollback in the terminal',
        () => {
          const { stdout } = demo.output();
          return /the story is told/.test(stdout) ? stdout : undefined;
        },
        10_000,
      );
      assert.match(stdout, /plan: ✔ advance 5 % -> 25 %/);
      assert.match(stdout, /approval: demo-approver .* approves 100 %/);
      assert.match(stdout, /plan: ✘ roll back \d+ % -> 0 % \(gate_failed:/);

      demo.child.kill('SIGINT');
      const code = await demo.exited;
      const output = demo.output();
      assert.equal(code, 0, `${output.stdout}\n${output.stderr}`);
      assert.match(output.stdout, /AWF demo stopped/);
      assert.equal(existsSync(path.dirname(printed.db)), false, 'the temporary directory is removed');
    } finally {
      // After a failed assertion: stop it as Ctrl-C does (removing its directory), by force if it hangs.
      if (demo.child.exitCode === null && demo.child.signalCode === null) {
        demo.child.kill('SIGINT');
        const timer = setTimeout(() => demo.child.kill('SIGKILL'), 30_000);
        await demo.exited;
        clearTimeout(timer);
      }
    }
  });
});
