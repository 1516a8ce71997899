import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type CliIo, runCli } from '../cli/cli-runner.js';
import { type ServerSloReport, sloChecks } from './load-checks.js';
import { loadCommand } from './load-command.js';
import type { AcknowledgedTurn } from './load-driver.js';

function capture(argv: string[]): { io: CliIo; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      argv,
      stdin: process.stdin,
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: {},
      cwd: process.cwd(),
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/**
 * A server that answers the player API the way a broken one would: sessions start, turns are
 * acknowledged, but `mode` decides what happens next ("lose": GET shows no turns; "fail": turns 500).
 */
async function brokenServer(mode: 'lose' | 'fail'): Promise<{ url: string; close(): Promise<void> }> {
  let sessions = 0;
  const turns = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const url = request.url ?? '';
      const choices = [{ id: 'c1', label: 'Look around' }];
      if (request.method === 'POST' && url === '/api/sessions') {
        sessions += 1;
        return send(201, { sessionId: `s${sessions}`, userId: 'u', scene: 'glade', txt: 'hi', choices });
      }
      const turn = /^\/api\/sessions\/([^/]+)\/turns$/.exec(url);
      if (request.method === 'POST' && turn) {
        if (mode === 'fail') return send(500, { error: { code: 'INTERNAL', message: 'boom' } });
        const sessionId = turn[1] as string;
        const turnNo = (turns.get(sessionId) ?? 0) + 1;
        turns.set(sessionId, turnNo);
        return send(200, {
          turnId: `${sessionId}:${turnNo}`,
          pipeline: 'awf',
          txt: 'You look around.',
          choices,
          scene: 'glade',
          sceneChange: false,
          acts: [],
          latencyMs: 1.5,
          retried: false,
          fallback: false,
          tokens: { in: 1, out: 1 },
          bundleBytes: 1,
        });
      }
      if (request.method === 'GET' && url.startsWith('/api/sessions/')) return send(200, { turns: [] });
      return send(404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('npm run load (loadCommand)', () => {
  it('exits 2 with one line and starts nothing on a bad flag', async () => {
    for (const argv of [
      [],
      ['--url', 'http://127.0.0.1:3000', '--instances', '1'],
      ['--instances', '0'],
      ['--instances', '1', '--faults', 'error=1.5'],
      ['--instances', '1', '--faults', 'jitter=3'],
      ['--instances', '1', '--rate', '10/s', '--concurrency', '4'],
      ['--instances', '1', '--duration', 'forever'],
      ['--url', 'http://127.0.0.1:3000', '--faults', 'error=0.1'],
      ['--instances', '2'],
      ['--instances', '1', '--bogus'],
    ]) {
      const run = capture(argv);
      let wired = false;
      const code = await runCli(
        loadCommand,
        () => {
          wired = true;
          return { deps: {} };
        },
        run.io,
      );
      assert.equal(code, 2, `${argv.join(' ')}: exit ${code}: ${run.stderr()}`);
      assert.equal(run.stdout(), '', argv.join(' '));
      assert.match(run.stderr(), /^error: --[a-z-]+: .+; see --help\n$/, argv.join(' '));
      // --instances 2 without PostgreSQL is refused in run(), before any server is started.
      if (argv[1] !== '2') assert.equal(wired, false, argv.join(' '));
    }
  });

  it('exits 1 and names the lost turns when acknowledged turns are not stored', async () => {
    const server = await brokenServer('lose');
    try {
      const run = capture(['--url', server.url, '--duration', '300ms', '--concurrency', '2', '--json']);
      const code = await runCli(loadCommand, () => ({ deps: {} }), run.io);
      assert.equal(code, 1, run.stderr());
      const report = JSON.parse(run.stdout());
      assert.ok(report.summary.acknowledged > 0);
      assert.equal(report.summary.lost, report.summary.acknowledged);
      const lost = report.checks.find(
        (check: { name: string }) => check.name === 'no acknowledged turn lost',
      );
      assert.equal(lost.ok, false);
      assert.match(lost.detail, /not in the session/);
    } finally {
      await server.close();
    }
  });

  it('exits 1 on 5xx answers and reports them by route and status', async () => {
    const server = await brokenServer('fail');
    try {
      const run = capture(['--url', server.url, '--duration', '300ms', '--rate', '40/s', '--json']);
      const code = await runCli(loadCommand, () => ({ deps: {} }), run.io);
      assert.equal(code, 1, run.stderr());
      const report = JSON.parse(run.stdout());
      assert.ok(report.summary.status5xx > 0);
      assert.equal(report.summary.status5xx, report.statusCodes['POST /api/sessions/:id/turns']['500']);
      assert.equal(report.checks.find((check: { name: string }) => check.name === 'no 5xx').ok, false);
      assert.ok(
        report.latencyMs.corrected.count > 0,
        'an open loop reports latency from when turns were due',
      );
    } finally {
      await server.close();
    }
  });
});

function turn(no: number, overrides: Partial<AcknowledgedTurn> = {}): AcknowledgedTurn {
  return {
    sessionId: 's',
    turnNo: no,
    turnId: `s:${no}`,
    txtHash: 0,
    pipeline: 'awf',
    retried: false,
    fallback: false,
    serverMs: 10 + (no % 100),
    wallUs: (12 + (no % 100)) * 1000,
    ...overrides,
  };
}

const pipeline = { retries: 0, fallbacks: 0, fallbackReasons: {}, failures: 0 };

describe('sloChecks (SLO threshold validation)', () => {
  // 1000 AWF turns, none retried or fallen back: what a fault-free run produces.
  const turns = Array.from({ length: 1000 }, (_, i) => turn(i + 1));
  const exactP95 = 10 + 94; // nearest rank of 10 + (no % 100) over 1..1000
  const report = (awf: Partial<ServerSloReport['awf']>): ServerSloReport => ({
    window: '5m',
    instances: ['a'],
    awf: { turns: 1000, ...pipeline, latencyP95Ms: exactP95, ...awf },
    legacy: { turns: 0, ...pipeline, latencyP95Ms: null },
  });
  const faults = { error: 0, invalid: 0, latencyMs: 0 };
  const run = (awf: Partial<ServerSloReport['awf']>) =>
    Object.fromEntries(
      sloChecks({ report: report(awf), acknowledged: turns, faults, modelTimeoutMs: 15_000 }).map((check) => [
        check.name,
        check.ok,
      ]),
    );

  it('holds when the server counted what the client saw', () => {
    assert.ok(Object.values(run({})).every(Boolean));
  });

  it('fails when the server counted one turn more than the client', () => {
    assert.equal(run({ turns: 1001 })['slo counts equal the client counts'], false);
  });

  it('fails when a retry rate is outside the injected rate`s range (one retry where none was injected)', () => {
    assert.equal(
      run({ retries: 1 })['slo invalid retry rate inside the injected rate`s 99 % range'.replace('`', "'")],
      false,
    );
  });

  it('fails when the server p95 is more than 0.5 % off the exact p95 of what it reported', () => {
    assert.equal(run({ latencyP95Ms: exactP95 * 1.01 })['slo p95 agrees with the client p95'], false);
    assert.equal(run({ latencyP95Ms: exactP95 * 1.004 })['slo p95 agrees with the client p95'], true);
  });
});
