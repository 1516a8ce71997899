import type { AcknowledgedTurn } from './load-driver.js';
import type { LoadFaults } from './load-options.js';
import { binomialRange99, expectedAwfRates, nearestRank } from './load-stats.js';

/** One thing `npm run load` was told to hold, and whether it did. */
export interface LoadCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The relative error the SLO latency sketch guarantees (docs/slos.md: ±0.5 %). */
export const SKETCH_RELATIVE_ERROR = 0.005;
/** latencyMs is rounded to 0.1 ms by the server before it is recorded and sent. */
const LATENCY_ROUNDING_MS = 0.05;

/** The part of `slo-status --json` the checks read. */
export interface ServerPipeline {
  turns: number;
  retries: number;
  fallbacks: number;
  fallbackReasons: Record<string, number>;
  failures: number;
  latencyP95Ms: number | null;
}

export interface ServerSloReport {
  window: string;
  instances: string[];
  awf: ServerPipeline;
  legacy: ServerPipeline;
}

/** The client's own counts of what the servers answered, split as the SLOs split turns. */
export interface ClientCounts {
  awf: { turns: number; retries: number; fallbacks: number; fallbackReasons: Record<string, number> };
  legacy: { turns: number };
}

/** AWF-routed turns are those AWF answered and those it handed to legacy (a fallback). */
export function clientCounts(turns: readonly AcknowledgedTurn[]): ClientCounts {
  const counts: ClientCounts = {
    awf: { turns: 0, retries: 0, fallbacks: 0, fallbackReasons: {} },
    legacy: { turns: 0 },
  };
  for (const turn of turns) {
    if (turn.pipeline === 'legacy' && !turn.fallback) {
      counts.legacy.turns += 1;
      continue;
    }
    counts.awf.turns += 1;
    if (turn.retried) counts.awf.retries += 1;
    if (turn.fallback) {
      counts.awf.fallbacks += 1;
      const reason = turn.fallbackReason ?? 'unknown';
      counts.awf.fallbackReasons[reason] = (counts.awf.fallbackReasons[reason] ?? 0) + 1;
    }
  }
  return counts;
}

const reasons = (byReason: Record<string, number>) =>
  Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ') || 'none';

/**
 * SLO threshold validation: the servers' slo-status report against the client's own counts (equal),
 * against the injected fault rates (inside their exact binomial 99 % ranges), and its AWF p95 against
 * the client's (the sketch's relative error for the latencies the servers reported; for the
 * client's wall time, no lower than that and no higher by more than the slowest network overhead).
 */
export function sloChecks(input: {
  report: ServerSloReport;
  acknowledged: readonly AcknowledgedTurn[];
  faults: LoadFaults;
  modelTimeoutMs: number;
}): LoadCheck[] {
  const { report, acknowledged } = input;
  const client = clientCounts(acknowledged);
  const checks: LoadCheck[] = [];

  const mismatches: string[] = [];
  const compare = (what: string, server: number, mine: number) => {
    if (server !== mine) mismatches.push(`${what} server ${server} vs client ${mine}`);
  };
  compare('AWF turns', report.awf.turns, client.awf.turns);
  compare('AWF retries', report.awf.retries, client.awf.retries);
  compare('AWF fallbacks', report.awf.fallbacks, client.awf.fallbacks);
  compare('legacy turns', report.legacy.turns, client.legacy.turns);
  compare('failed turns', report.awf.failures + report.legacy.failures, 0);
  if (reasons(report.awf.fallbackReasons) !== reasons(client.awf.fallbackReasons)) {
    mismatches.push(
      `fallback reasons server ${reasons(report.awf.fallbackReasons)} vs client ${reasons(client.awf.fallbackReasons)}`,
    );
  }
  checks.push({
    name: 'slo counts equal the client counts',
    ok: mismatches.length === 0,
    detail:
      mismatches.length === 0
        ? `AWF ${client.awf.turns} turns, ${client.awf.retries} retries, ${client.awf.fallbacks} fallbacks (${reasons(client.awf.fallbackReasons)}); legacy ${client.legacy.turns} turns`
        : mismatches.join('; '),
  });

  const expected = expectedAwfRates(input.faults, input.modelTimeoutMs);
  const n = report.awf.turns;
  for (const [name, observed, p] of [
    ['invalid retry rate', report.awf.retries, expected.retry],
    ['fallback rate', report.awf.fallbacks, expected.fallback],
  ] as const) {
    const range = binomialRange99(n, p);
    const pct = (k: number) => (n === 0 ? '-' : `${((k / n) * 100).toFixed(2)} %`);
    checks.push({
      name: `slo ${name} inside the injected rate's 99 % range`,
      ok: observed >= range.lo && observed <= range.hi,
      detail: `${observed} of ${n} AWF turns (${pct(observed)}); injected faults give p = ${(p * 100).toFixed(2)} %, 99 % range ${range.lo}-${range.hi} (${pct(range.lo)}-${pct(range.hi)})`,
    });
  }

  const awfTurns = acknowledged.filter((turn) => turn.pipeline === 'awf' || turn.fallback);
  const reported = nearestRank(
    awfTurns.map((turn) => turn.serverMs),
    0.95,
  );
  const wall = nearestRank(
    awfTurns.map((turn) => turn.wallUs / 1000),
    0.95,
  );
  const server = report.awf.latencyP95Ms;
  if (reported === undefined || wall === undefined || server === null) {
    checks.push({
      name: 'slo p95 agrees with the client p95',
      ok: reported === undefined && server === null,
      detail: `no AWF latency to compare (server p95 ${server ?? '-'}, client ${reported ?? '-'})`,
    });
  } else {
    const sketchSlack = SKETCH_RELATIVE_ERROR * reported + LATENCY_ROUNDING_MS;
    const maxOverhead = Math.max(0, ...awfTurns.map((turn) => turn.wallUs / 1000 - turn.serverMs));
    const sketchOk = Math.abs(server - reported) <= sketchSlack;
    // Wall time = server time + overhead ≥ 0, so wall p95 ∈ [p95 of server times, that + the largest overhead].
    const wallOk =
      wall >= reported - LATENCY_ROUNDING_MS && wall <= reported + maxOverhead + LATENCY_ROUNDING_MS;
    checks.push({
      name: 'slo p95 agrees with the client p95',
      ok: sketchOk && wallOk,
      detail:
        `server sketch ${server.toFixed(2)} ms vs exact p95 of the latencies the server reported ${reported.toFixed(2)} ms ` +
        `(allowed ±${sketchSlack.toFixed(2)} ms: 0.5 % sketch error)${sketchOk ? '' : ' OUTSIDE'}; ` +
        `client wall p95 ${wall.toFixed(2)} ms (network and queueing up to ${maxOverhead.toFixed(2)} ms per turn)${wallOk ? '' : ' OUTSIDE'}`,
    });
  }
  return checks;
}
