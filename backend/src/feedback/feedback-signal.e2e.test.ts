import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { seededRandom } from '../shared/seeded-random.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TURNS = 2000;
const TURNS_PER_SESSION = 10;
const GUARDRAIL_PP = '2';
const ENV = {
  AWF_BUNDLE_ON: 'true',
  AWF_PERCENT_ROLLOUT: '50',
  SLO_MIN_SAMPLE: '200',
  SLO_EVALUATION_WINDOW: '1h',
  SLO_FEEDBACK_DOWN_DELTA: GUARDRAIL_PP,
  LOG_LEVEL: 'silent',
};

/** The [lo, hi] counts holding at least 99 % of Binomial(n, p): its 0.5 % and 99.5 % quantiles. */
function binomial99(n: number, p: number): [number, number] {
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let lo = -1;
  for (let k = 0; k <= n; k++) {
    if (lo < 0 && cdf >= 0.005) lo = k;
    if (cdf >= 0.995) return [lo, k];
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
    cdf += pmf;
  }
  return [lo, n];
}

/** Plays TURNS turns through the real turn service at 50 %, and a seeded player rates each answer down at its pipeline's rate. */
async function playAndRate(services: TestServices, downRate: { awf: number; legacy: number }): Promise<void> {
  const player = seededRandom(20260101);
  for (let session = 0; session < TURNS / TURNS_PER_SESSION; session++) {
    const sessionId = `player-${session}`;
    await services.turns.startSession({ sessionId, seed: session });
    for (let turnNo = 1; turnNo <= TURNS_PER_SESSION; turnNo++) {
      const turn = await services.turns.playTurn(sessionId, '1');
      const isDown = player.next() < downRate[turn.pipeline];
      await services.feedback.rateTurn(
        sessionId,
        turnNo,
        isDown ? { rating: 'down', reason: 'incoherent' } : { rating: 'up' },
      );
    }
  }
  await services.slos.flush();
}

async function viewerToken(services: TestServices): Promise<string> {
  const admin = await services.auth.addFirstAdmin({ name: 'root', via: 'cli' });
  const principal = { actor: admin.actor, role: admin.role, tokenId: admin.tokenId };
  return (await services.auth.addActor(principal, { name: 'deploy-gate', role: 'viewer' })).token;
}

/** The real `slo-status --json` in a subprocess against the same SQLite file. */
function sloStatusJson(services: TestServices, token: string) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'backend/scripts/slo-status.ts'), '--json', '--window', '1h'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AWF_DB_PATH: services.sqlitePath, AWF_ADMIN_TOKEN: token, ...ENV },
    },
  );
  assert.ok(run.stdout.startsWith('{'), run.stderr);
  return { status: run.status, report: JSON.parse(run.stdout) };
}

describe(`slo-status --json after ${TURNS} turns at 50 % rated by a seeded player`, () => {
  it('AWF rated down at 8 % and legacy at 2 %: both rates within their binomial 99 % ranges, AWF − legacy excludes 0, the guardrail fires', async () => {
    const services = await createTestServices(ENV, { sloTimers: false, watchRollout: false });
    try {
      await playAndRate(services, { awf: 0.08, legacy: 0.02 });
      const token = await viewerToken(services);
      await services.slos.evaluate();
      const { status, report } = sloStatusJson(services, token);
      const { awf, legacy, difference } = report.feedback;

      assert.equal(awf.answeredTurns + legacy.answeredTurns, TURNS);
      assert.equal(awf.ratings + legacy.ratings, TURNS, 'every turn rated once');
      for (const [pipeline, expected] of [
        [awf, 0.08],
        [legacy, 0.02],
      ] as const) {
        const [lo, hi] = binomial99(pipeline.answeredTurns, expected);
        assert.ok(
          pipeline.down >= lo && pipeline.down <= hi,
          `${pipeline.down} downs of ${pipeline.answeredTurns} within [${lo}, ${hi}]`,
        );
        assert.equal(pipeline.downRatePct, Math.round((pipeline.down / pipeline.answeredTurns) * 1e6) / 1e4);
      }
      assert.ok(difference.ci95Pp.low > 0, `AWF − legacy ${JSON.stringify(difference)} excludes 0`);
      assert.deepEqual(
        [difference.awfTurns, difference.legacyTurns],
        [awf.answeredTurns, legacy.answeredTurns],
      );

      const guardrail = report.slos.find((slo: { slo: string }) => slo.slo === 'feedback_down_delta');
      assert.equal(guardrail.state, 'warning');
      assert.ok(report.alerts.some((alert: { slo: string }) => alert.slo === 'feedback_down_delta'));
      assert.equal(status, 1, 'the gate fails while AWF is worse than legacy by more than 2 pp');
    } finally {
      await services.dispose();
    }
  });

  it('AWF and legacy both rated down at 5 %: the interval includes 0 and no feedback alert fires', async () => {
    const services = await createTestServices(ENV, { sloTimers: false, watchRollout: false });
    try {
      await playAndRate(services, { awf: 0.05, legacy: 0.05 });
      const token = await viewerToken(services);
      const evaluated = await services.slos.evaluate();
      assert.deepEqual(evaluated.alerts, []);
      const { status, report } = sloStatusJson(services, token);
      const { awf, legacy, difference } = report.feedback;
      for (const pipeline of [awf, legacy]) {
        const [lo, hi] = binomial99(pipeline.answeredTurns, 0.05);
        assert.ok(pipeline.down >= lo && pipeline.down <= hi, `${pipeline.down} within [${lo}, ${hi}]`);
      }
      assert.ok(
        difference.ci95Pp.low <= 0 && difference.ci95Pp.high >= 0,
        `AWF − legacy ${JSON.stringify(difference)} includes 0`,
      );
      const guardrail = report.slos.find((slo: { slo: string }) => slo.slo === 'feedback_down_delta');
      assert.equal(guardrail.state, 'ok', 'judged (both pipelines over SLO_MIN_SAMPLE) and holding');
      assert.deepEqual(report.alerts, []);
      assert.equal(status, 0, report.result);
    } finally {
      await services.dispose();
    }
  });
});
