import type { ReportStream } from './golden-report.js';
import type { GoldenRun } from './golden-run-store.js';
import type { SampledReport, SampledUnit } from './golden-sampling.js';
import type { Interval } from './sampling-stats.js';

const ANSI = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', bold: '\x1b[1m', reset: '\x1b[0m' };

function paint(enabled: boolean, color: keyof typeof ANSI, text: string): string {
  return enabled ? `${ANSI[color]}${text}${ANSI.reset}` : text;
}

/** 0.9 → "90 %", 0.875 → "87.5 %". */
export function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(1))} %`;
}

function interval(range: Interval): string {
  return `${Number((range.low * 100).toFixed(1))}–${Number((range.high * 100).toFixed(1))} %`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function modelLabel(model: { provider: string; name: string }): string {
  return model.provider === 'local' ? 'local' : `${model.provider} ${model.name}`;
}

/** "3/5 60 %" */
function passRateCell(unit: SampledUnit): string {
  return unit.samples === 0 ? '–' : `${unit.passes}/${unit.samples} ${percent(unit.passRate)}`;
}

/**
 * The sampled run's human report: each failing scenario with its most frequent failures, the
 * expectations that did not always hold, then the summary table (scenario, pass rate, 95 % interval,
 * threshold, first-try validity, retries, fallbacks, latency p95, tokens, result) and the totals line
 * with the tokens spent.
 */
export function renderSampledHumanReport(
  report: SampledReport,
  options: { color: boolean; storedAs?: string },
): string {
  const { color } = options;
  const out: string[] = [];
  for (const unit of report.units) {
    if (unit.status === 'skipped' || unit.samples === 0) continue;
    const shaky = unit.expectations.filter((tally) => tally.passes < tally.samples);
    if (unit.status !== 'failed' && shaky.length === 0 && unit.thrown === 0) continue;
    const mark = unit.status === 'failed' ? '✗' : '~';
    out.push(
      paint(
        color,
        'bold',
        `${mark} ${unit.scenario} (${unit.pipeline}): pass rate ${passRateCell(unit)} (95 % ${interval(unit.interval)}), needs ${percent(unit.threshold)}`,
      ),
    );
    for (const failure of unit.failures.slice(0, 5)) {
      out.push(`  ${failure.count} of ${unit.samples} sample(s): ${failure.example}`);
    }
    const SHOWN = 8;
    for (const tally of shaky.slice(0, SHOWN)) {
      out.push(
        `  turn ${tally.turn} expect.${tally.expectation}: held ${tally.passes}/${tally.samples} (95 % ${interval(tally.interval)})`,
      );
    }
    if (shaky.length > SHOWN) {
      out.push(
        `  … ${shaky.length - SHOWN} more expectation(s) did not always hold (--json lists every one)`,
      );
    }
    out.push('');
  }

  const header = [
    'scenario',
    'pass rate',
    '95 % interval',
    'needs',
    'valid 1st try',
    'retries',
    'fallbacks',
    'p95',
    'tokens in/out',
    'result',
  ];
  const rows = report.units.map((unit) => [
    unit.pipeline === 'legacy' ? `${unit.scenario} [legacy]` : unit.scenario,
    passRateCell(unit),
    unit.samples === 0 ? '–' : interval(unit.interval),
    unit.status === 'skipped' ? '–' : percent(unit.threshold),
    unit.awfTurns === 0 ? '–' : `${unit.validFirstTry}/${unit.awfTurns}`,
    unit.samples === 0 ? '–' : String(unit.retries),
    unit.samples === 0 ? '–' : fallbackCell(unit),
    unit.latencyMs ? duration(unit.latencyMs.p95) : '–',
    unit.samples === 0 ? '–' : `${count(unit.tokens.in)}/${count(unit.tokens.out)}`,
    unit.status === 'skipped' ? 'skipped (local faults)' : unit.status,
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const rightAligned = new Set([1, 5, 6, 7, 8]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) =>
        rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  out.push(paint(color, 'bold', line(header)));
  for (const [i, row] of rows.entries()) {
    const status = report.units[i]?.status;
    const text = line(row);
    out.push(
      status === 'failed'
        ? paint(color, 'red', text)
        : status === 'passed'
          ? paint(color, 'green', text)
          : text,
    );
  }

  const tally = (['passed', 'failed', 'not-run', 'skipped'] as const)
    .map((status) => [status, report.units.filter((unit) => unit.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const awfTurns = report.units.reduce((sum, unit) => sum + unit.awfTurns, 0);
  const valid = report.units.reduce((sum, unit) => sum + unit.validFirstTry, 0);
  const legacy =
    report.models.legacy.provider === report.models.awf.provider &&
    report.models.legacy.name === report.models.awf.name
      ? ''
      : ` (legacy: ${modelLabel(report.models.legacy)})`;
  out.push('');
  out.push(
    `${report.units.length} scenario(s) sampled ${report.samplesRequested}× against ${modelLabel(report.models.awf)}${legacy}, ` +
      `pass rate ≥ ${percent(report.passRate)} unless a scenario sets its own: ${tally}`,
  );
  const budget = report.maxTokensTotal === undefined ? '' : ` of at most ${count(report.maxTokensTotal)}`;
  const firstTry =
    awfTurns === 0 ? '' : ` · valid on first try ${valid}/${awfTurns} (${percent(valid / awfTurns)})`;
  const stored = options.storedAs ? ` · results stored as run ${options.storedAs}` : '';
  out.push(
    `tokens spent: ${count(report.tokensSpent.in)} in + ${count(report.tokensSpent.out)} out = ${count(report.tokensSpent.in + report.tokensSpent.out)}${budget}${firstTry} · ${duration(report.durationMs)}${stored}`,
  );
  if (report.stopped) {
    out.push(paint(color, 'yellow', `stopped: ${report.stopped.message} (partial results, exit 2)`));
  }
  return `${out.join('\n')}\n`;
}

function fallbackCell(unit: SampledUnit): string {
  const reasons = Object.entries(unit.fallbackReasons)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  return reasons === '' ? String(unit.fallbacks) : `${unit.fallbacks} (${reasons})`;
}

/** The machine-readable report (`--json`). */
export function renderSampledJsonReport(report: SampledReport, extra: { storedAs?: string }): string {
  return `${JSON.stringify({ ...report, scenarios: report.units, units: undefined, stored: extra.storedAs !== undefined }, null, 2)}\n`;
}

/** JUnit XML: one testcase per scenario; a missed pass rate is a failure, a skipped scenario is skipped. */
export function renderSampledJunitReport(report: SampledReport): string {
  const failures = report.units.filter((unit) => unit.status === 'failed').length;
  const skipped = report.units.filter(
    (unit) => unit.status === 'skipped' || unit.status === 'not-run',
  ).length;
  const time = (report.durationMs / 1000).toFixed(3);
  const cases = report.units.map((unit) => {
    const attributes = `classname="goldens.${unit.pipeline}" name="${xml(unit.scenario)}" time="${(unit.durationMs / 1000).toFixed(3)}"`;
    if (unit.status === 'passed') return `    <testcase ${attributes}/>`;
    if (unit.status !== 'failed') {
      const why =
        unit.status === 'skipped' ? (unit.skipReason ?? 'skipped') : 'the run was stopped before any sample';
      return `    <testcase ${attributes}>\n      <skipped message="${xml(why)}"/>\n    </testcase>`;
    }
    const summary = verdictOf(unit);
    const body = [summary, ...unit.failures.map((failure) => `${failure.count}× ${failure.example}`)].join(
      '\n',
    );
    return [
      `    <testcase ${attributes}>`,
      `      <failure message="${xml(summary)}">${xml(body)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="awf-goldens" tests="${report.units.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="goldens (sampled ${report.samplesRequested}× against ${xml(modelLabel(report.models.awf))})" tests="${report.units.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** `first-meet-kiera: pass rate 3/5 (60 %) is below 90 %` */
export function verdictOf(unit: SampledUnit): string {
  const comparison = unit.status === 'passed' ? 'meets' : 'is below';
  return `${unit.scenario}: pass rate ${unit.passes}/${unit.samples} (${percent(unit.passRate)}) ${comparison} ${percent(unit.threshold)}`;
}

/** The stored form of a sampled run: one row per scenario that got samples (skipped ones are not stored). */
export function goldenRunOfSampled(report: SampledReport): GoldenRun {
  return {
    runId: report.runId,
    mode: report.mode,
    fullRun: report.fullRun,
    startedAt: report.startedAt,
    contentHash: report.contentHash,
    harnessVersion: report.harnessVersion,
    models: report.models,
    samplesRequested: report.samplesRequested,
    partial: report.partial,
    results: report.units
      .filter((unit) => unit.status === 'passed' || unit.status === 'failed')
      .map((unit) => ({
        scenario: unit.scenario,
        pipeline: unit.pipeline,
        status: unit.status as 'passed' | 'failed',
        turns: unit.turns,
        durationMs: unit.durationMs,
        ...(unit.status === 'failed'
          ? {
              failure: [verdictOf(unit), unit.failures[0]?.example].filter(Boolean).join('; most frequent: '),
            }
          : {}),
        sampling: {
          samples: unit.samples,
          passes: unit.passes,
          passRateThreshold: unit.threshold,
          tokensIn: unit.tokens.in,
          tokensOut: unit.tokens.out,
        },
      })),
  };
}

/** On a terminal: a bar over every sample; elsewhere one plain line per finished scenario (none for --json). */
export function createSampleProgress(stream: ReportStream, mode: 'bar' | 'lines' | 'none') {
  let active = false;
  const width = 24;
  return {
    update(done: number, total: number, current: string, finished?: SampledUnit): void {
      if (mode === 'lines' && finished) {
        const verdict =
          finished.status === 'not-run'
            ? 'not run (stopped)'
            : `${passRateCell(finished)} ${finished.status}`;
        stream.write(`goldens: ${finished.scenario} ${verdict} (${done}/${total} samples)\n`);
      }
      if (mode !== 'bar' || total === 0) return;
      active = true;
      const filled = Math.round((done / total) * width);
      stream.write(
        `\r\x1b[2Kgoldens [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} samples ${current}`,
      );
    },
    clear(): void {
      if (active) stream.write('\r\x1b[2K');
      active = false;
    },
  };
}

function xml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}
