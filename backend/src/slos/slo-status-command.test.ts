import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../cli/cli-errors.js';
import { parseCommand, runCli } from '../cli/cli-runner.js';
import { judgeSlos, type SloReport, summarizePipeline } from './awf-slos.js';
import { feedbackSignal } from './feedback-signal.js';
import { type SloStatusDeps, sloStatusCommand } from './slo-status-command.js';
import { emptyAggregate, TurnAggregator } from './turn-aggregates.js';

const THRESHOLDS = { turnP95Ms: 8000, invalidRetryRatePct: 5, fallbackRatePct: 1 };

function reportWith(turns: number, fellBack: number, opts: { alertOpen?: boolean } = {}): SloReport {
  const aggregator = new TurnAggregator();
  for (let i = 0; i < turns; i++) {
    aggregator.record({ pipeline: 'awf', latencyMs: 1200, retried: false, fallback: i < fellBack }, 0);
  }
  const awf = aggregator.drain()[0] ?? { minute: 0, pipeline: 'awf' as const, ...emptyAggregate() };
  const slos = judgeSlos(awf, THRESHOLDS, 100);
  return {
    window: '1h',
    from: '2026-01-01T11:01:00.000Z',
    to: '2026-01-01T12:00:30.000Z',
    instances: ['host-a', 'host-b'],
    awf: summarizePipeline(awf),
    legacy: summarizePipeline(emptyAggregate()),
    slos,
    feedback: feedbackSignal(awf, emptyAggregate(), undefined),
    healthy: slos.every((slo) => slo.state === 'ok' || slo.state === 'insufficient_data'),
    alerts: opts.alertOpen
      ? [
          {
            id: 'a1',
            slo: 'fallback_rate',
            severity: 'critical',
            window: '5m',
            threshold: 1,
            firedValue: 3,
            firedSample: 200,
            firedAt: '2026-01-01T11:58:00.000Z',
            firedBy: 'host-a',
            title: 'fallback rate',
            unit: '%',
            suggestedActions: ['Investigate consecutive validation failures', 'Consider emergency rollback'],
          },
        ]
      : [],
    history: [],
  };
}

/** slo-status through the CLI runner, with `report` as the stored SLO data (default window 5m). */
async function run(
  argv: string[],
  report: SloReport,
): Promise<{ code: number; out: string; err: string; window?: string; read: boolean }> {
  let out = '';
  let err = '';
  let window: string | undefined;
  let read = false;
  const deps: SloStatusDeps = {
    caller: {
      token: 'awf_test',
      authenticate: async () => ({ actor: 'deploy-gate', role: 'viewer', tokenId: 'test' }),
    },
    config: { sloMonitoring: { evaluationWindow: '5m' } },
    slos: {
      status: async (requested) => {
        window = requested;
        return report;
      },
    },
  };
  const code = await runCli(
    sloStatusCommand,
    () => {
      read = true;
      return { deps };
    },
    {
      argv,
      stdin: process.stdin,
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: {},
      cwd: process.cwd(),
    },
  );
  return { code, out, err, read, ...(window ? { window } : {}) };
}

/** The flags as slo-status reads them, before anything is opened. */
const parseSloStatusArgs = (argv: string[]): { help: boolean; window?: string; json?: boolean } => {
  const parsed = parseCommand(sloStatusCommand, argv);
  return parsed.help ? { help: true } : { ...parsed.args, help: false };
};

describe('slo-status', () => {
  describe('its flags', () => {
    it('accepts --window 5m|1h|24h|7d, --json and --help', () => {
      for (const window of ['5m', '1h', '24h', '7d']) {
        assert.equal(parseSloStatusArgs(['--window', window]).window, window);
      }
      assert.deepEqual(parseSloStatusArgs(['--json']), { json: true, help: false });
      assert.equal(parseSloStatusArgs(['-h']).help, true);
    });

    it('rejects a bad --window, an unknown flag and a stray argument with a one-line UsageError', () => {
      assert.throws(
        () => parseSloStatusArgs(['--window', '3m']),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message === '--window: must be one of 5m, 1h, 24h, 7d (got "3m"); see --help' &&
          error.statusCode === 400,
      );
      assert.throws(() => parseSloStatusArgs(['--verbose']), UsageError);
      assert.throws(() => parseSloStatusArgs(['1h']), UsageError);
      assert.throws(() => parseSloStatusArgs(['--window']), UsageError);
      assert.throws(
        () => parseSloStatusArgs(['--window', '1h', '--window', '7d']),
        /^UsageError: --window: given more than once/,
      );
    });
  });

  describe('runSloStatus()', () => {
    it('when every SLO holds: prints the table and returns 0', async () => {
      const { code, out, window } = await run(['--window', '1h'], reportWith(200, 1));
      assert.equal(code, 0);
      assert.equal(window, '1h');
      assert.match(out, /^AWF SLO status, window 1h .* 2 instances reporting/);
      assert.match(out, /^SLO {17}VALUE +LOWER BOUND +THRESHOLD +STATE +SAMPLE$/m);
      assert.match(out, /^fallback rate +0\.50 % +0\.\d\d % \(99\.9 %\) +1\.00 % +ok +200 AWF turns$/m);
      assert.match(out, /^turn latency p95 +1\d{3} ms +1\d{3} ms \(99\.9 %\) +8000 ms +ok +200 AWF turns$/m);
      assert.doesNotMatch(out, /Not violated/);
      assert.match(out, /Alerts firing: none/);
      assert.match(out, /Result: every SLO holds/);
    });

    it('compares AWF with legacy, counting turns that failed outright', async () => {
      const report = reportWith(200, 1);
      const { out } = await run([], {
        ...report,
        awf: { ...report.awf, failures: 1 },
        legacy: { ...report.legacy, turns: 3, failures: 2 },
      });
      assert.match(
        out,
        /^Compare: AWF 200 turns, .*fallbacks 1 \(unknown 1\), failed 1; legacy 3 turns, .*, failed 2$/m,
      );
    });

    it('when an SLO is violated: names it with its severity and suggested actions, and returns 1', async () => {
      const { code, out } = await run([], reportWith(200, 12));
      assert.equal(code, 1);
      assert.match(
        out,
        /^fallback rate +6\.00 % +\d\.\d\d % \(99\.9 %\) +1\.00 % +critical +200 AWF turns$/m,
      );
      assert.match(
        out,
        /Violated over 1h: \[critical\] fallback rate 6\.00 %, 99\.9 % lower bound \d\.\d\d % > 1\.00 %/,
      );
      assert.match(out, /Suggested actions:\n +1\. Investigate consecutive validation failures/);
      assert.match(out, /Result: violated: fallback rate \(critical\)/);
    });

    it('lists firing alerts with their suggested actions', async () => {
      const { out } = await run([], reportWith(200, 12, { alertOpen: true }));
      assert.match(
        out,
        /Alerts firing: 1\n {2}\[critical\] fallback rate since 2026-01-01T11:58:00\.000Z: fired at 3\.00 % > 1\.00 % \(window 5m, 200 AWF turns, by host-a\)/,
      );
      assert.match(out, / {6}2\. Consider emergency rollback/);
      assert.doesNotMatch(out, /Violated over/);
    });

    it('with too few AWF turns: says "not enough data" and returns 0 (nothing violated)', async () => {
      const { code, out } = await run([], reportWith(40, 40));
      assert.equal(code, 0);
      assert.match(
        out,
        /^fallback rate +100\.00 % +\d+\.\d\d % \(99\.9 %\) +1\.00 % +not enough data \(< 100 turns\) +40 AWF turns$/m,
      );
      assert.match(out, /Result: no SLO violated; 3 not judged \(fewer than 100 AWF turns in the window\)/);
    });

    it('with too few AWF turns to judge but an alert open: lists the alert, says so in the result line, and returns 1', async () => {
      const { code, out } = await run([], reportWith(40, 40, { alertOpen: true }));
      assert.equal(code, 1);
      assert.match(out, /Alerts firing: 1\n {2}\[critical\] fallback rate since/);
      assert.match(
        out,
        /^Result: alert firing: fallback rate \(critical\) since 2026-01-01T11:58:00\.000Z; no SLO violated over 1h, 3 not judged \(fewer than 100 AWF turns in the window\); failing until the alert resolves$/m,
      );
    });

    it('with every SLO holding but an alert still open (not yet resolved by the evaluator): returns 1', async () => {
      const { code, out } = await run([], reportWith(200, 1, { alertOpen: true }));
      assert.equal(code, 1);
      assert.match(
        out,
        /^Result: alert firing: fallback rate \(critical\) since 2026-01-01T11:58:00\.000Z; no SLO violated over 1h; failing until the alert resolves$/m,
      );
    });

    it('when an SLO is violated and its alert is open: names both in the result line', async () => {
      const { code, out } = await run([], reportWith(200, 12, { alertOpen: true }));
      assert.equal(code, 1);
      assert.match(
        out,
        /^Result: violated: fallback rate \(critical\); alert firing: fallback rate \(critical\)$/m,
      );
    });

    it('--json with an alert open over an unjudged window: status "alerting" and the result sentence', async () => {
      const { code, out } = await run(['--json'], reportWith(40, 40, { alertOpen: true }));
      assert.equal(code, 1);
      const json = JSON.parse(out);
      assert.equal(json.status, 'alerting');
      assert.match(json.result, /^alert firing: fallback rate \(critical\)/);
    });

    it('--json prints the report as one JSON object with a status', async () => {
      const { code, out } = await run(['--json'], reportWith(200, 12));
      assert.equal(code, 1);
      const json = JSON.parse(out);
      assert.equal(json.status, 'violated');
      assert.equal(json.result, 'violated: fallback rate (critical)');
      const fallback = json.slos.find((slo: { slo: string }) => slo.slo === 'fallback_rate');
      assert.equal(fallback.state, 'critical');
      assert.equal(fallback.value, 6);
      assert.equal(fallback.confidence, 99.9);
      assert.ok(fallback.lowerBound > 1 && fallback.lowerBound < 6, String(fallback.lowerBound));
    });

    it('4 fallbacks in 300 turns (1.33 %): shows the lower bound below 1 % and says why it is not violated, returns 0', async () => {
      const { code, out } = await run([], reportWith(300, 4));
      assert.equal(code, 0);
      assert.match(out, /^fallback rate +1\.33 % +0\.\d\d % \(99\.9 %\) +1\.00 % +ok +300 AWF turns$/m);
      assert.match(
        out,
        /^Not violated: fallback rate 1\.33 % is above 1\.00 % over 1h, but on 300 AWF turns its 99\.9 % lower bound 0\.\d\d % is not \(SLO_ALERT_CONFIDENCE\)$/m,
      );
      assert.match(out, /Result: every SLO holds/);
      const json = JSON.parse((await run(['--json'], reportWith(300, 4))).out);
      const fallback = json.slos.find((slo: { slo: string }) => slo.slo === 'fallback_rate');
      assert.deepEqual([fallback.state, fallback.confidence], ['ok', 99.9]);
      assert.ok(fallback.lowerBound < 1 && fallback.value > 1, JSON.stringify(fallback));
    });

    it('--help prints usage with the exit codes and reads nothing', async () => {
      const { code, out, read } = await run(['--help'], reportWith(0, 0));
      assert.equal(code, 0);
      assert.equal(read, false);
      assert.match(
        out,
        /^Exit codes:\n {2}0 +every SLO holds \(or has too few turns to judge\) and no alert is open\n/m,
      );
      assert.match(out, /^ {2}1 +an SLO is violated, or an alert is open .*\n/m);
      assert.match(
        out,
        /^ {2}2 +a flag is unknown, repeated or malformed, or the token is missing or not allowed/m,
      );
      assert.match(out, /^ {2}3 +the status could not be read/m);
    });
  });
});
