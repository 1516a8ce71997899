import type { SuiteReport, UnitResult } from './golden-suite.js';

/** Where the report goes; colour only when the stream is a terminal that wants it. */
export interface ReportStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const ANSI = {
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  bold: '\x1b[1m',
  reset: '\x1b[0m',
};

function paint(enabled: boolean, color: keyof typeof ANSI, text: string): string {
  return enabled ? `${ANSI[color]}${text}${ANSI.reset}` : text;
}

function unitLabel(unit: UnitResult): string {
  return unit.variant ? `${unit.scenario} [${unit.pipeline}]` : unit.scenario;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * The human report: each failure with its reasons and diffs, then the summary table (scenario,
 * pipeline, turns, result, time), obsolete goldens, and last the command that accepts the changes.
 */
export function renderHumanReport(
  report: SuiteReport,
  options: { color: boolean; acceptCommand?: string; storedAs?: string },
): string {
  const { color } = options;
  const out: string[] = [];

  for (const unit of report.units.filter((candidate) => candidate.status === 'failed')) {
    out.push(paint(color, 'bold', `✗ ${unitLabel(unit)} (${unit.goldenFile})`));
    for (const failure of unit.failures) out.push(`  ${failure}`);
    if (unit.diff) {
      out.push('');
      for (const line of unit.diff.trimEnd().split('\n')) out.push(colorDiffLine(color, line));
    }
    if (unit.receivedFile) out.push(`  actual output left in ${unit.receivedFile}`);
    out.push('');
  }

  const rows = report.units.map((unit) => [
    unitLabel(unit),
    unit.pipeline,
    String(unit.turns),
    unit.status,
    seconds(unit.durationMs),
  ]);
  const header = ['scenario', 'pipeline', 'turns', 'result', 'time'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const rightAligned = new Set([2, 4]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) =>
        rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  out.push(paint(color, 'bold', line(header)));
  for (const row of rows) {
    const status = row[3] as string;
    const text = line(row);
    out.push(
      status === 'failed'
        ? paint(color, 'red', text)
        : status === 'passed'
          ? paint(color, 'green', text)
          : text,
    );
  }

  const counts = new Map<string, number>();
  for (const unit of report.units) counts.set(unit.status, (counts.get(unit.status) ?? 0) + 1);
  const tally = ['passed', 'written', 'unchanged', 'failed']
    .filter((status) => counts.has(status))
    .map((status) => `${counts.get(status)} ${status}`)
    .join(', ');
  const scope = report.fullRun ? 'full run' : 'partial run';
  const stored = options.storedAs ? ` · results stored as run ${options.storedAs}` : '';
  out.push('');
  out.push(
    `${report.units.length} scenario run(s), mode ${report.mode} (${scope}): ${tally || 'nothing ran'} · ${seconds(report.durationMs)}${stored}`,
  );

  if (report.pruned.length > 0)
    out.push(`pruned ${report.pruned.length} obsolete golden file(s): ${report.pruned.join(', ')}`);
  else if (report.obsolete.length > 0) {
    out.push(
      paint(
        color,
        'yellow',
        `obsolete golden file(s) with no scenario: ${report.obsolete.join(', ')} (remove with --prune)`,
      ),
    );
  }
  const failedExpectations = report.units.some((unit) => unit.status === 'failed' && !unit.acceptable);
  if (failedExpectations) {
    out.push(
      'some scenarios failed their expectations or could not play: fix the code or the scenario, not the golden',
    );
  }
  if (options.acceptCommand) {
    out.push('to accept the new output as golden, run:');
    out.push(`  ${options.acceptCommand}`);
  }
  return `${out.join('\n')}\n`;
}

function colorDiffLine(color: boolean, line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return paint(color, 'bold', line);
  if (line.startsWith('@@')) return paint(color, 'cyan', line);
  if (line.startsWith('+')) return paint(color, 'green', line);
  if (line.startsWith('-')) return paint(color, 'red', line);
  return line;
}

/** The machine-readable report (`--json`). */
export function renderJsonReport(
  report: SuiteReport,
  extra: { acceptCommand?: string; storedAs?: string },
): string {
  return `${JSON.stringify(
    {
      runId: report.runId,
      mode: report.mode,
      fullRun: report.fullRun,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      harnessVersion: report.harnessVersion,
      contentHash: report.contentHash,
      exitCode: report.exitCode,
      scenarios: report.units,
      obsolete: report.obsolete,
      pruned: report.pruned,
      ...(extra.acceptCommand ? { acceptCommand: extra.acceptCommand } : {}),
      stored: extra.storedAs !== undefined,
    },
    null,
    2,
  )}\n`;
}

/** JUnit XML (`--junit FILE`): one testcase per scenario and pipeline, failures with their diff. */
export function renderJunitReport(report: SuiteReport): string {
  const failures = report.units.filter((unit) => unit.status === 'failed').length;
  const cases = report.units.map((unit) => {
    const attributes = `classname="goldens.${unit.pipeline}" name="${xml(unit.scenario)}" time="${(unit.durationMs / 1000).toFixed(3)}"`;
    if (unit.status !== 'failed') return `    <testcase ${attributes}/>`;
    const body = [...unit.failures, ...(unit.diff ? ['', unit.diff] : [])].join('\n');
    return [
      `    <testcase ${attributes}>`,
      `      <failure message="${xml(unit.failures[0] ?? 'failed')}">${xml(body)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  const time = (report.durationMs / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="awf-goldens" tests="${report.units.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="goldens (${report.mode})" tests="${report.units.length}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
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

/** A one-line progress bar on a terminal's stderr; does nothing elsewhere. */
export function createProgressBar(stream: ReportStream, enabled: boolean) {
  let active = false;
  const width = 24;
  return {
    update(done: number, total: number, current: string): void {
      if (!enabled || total === 0) return;
      active = true;
      const filled = Math.round((done / total) * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      stream.write(`\r\x1b[2Kgoldens [${bar}] ${done}/${total} ${current}`);
    },
    clear(): void {
      if (active) stream.write('\r\x1b[2K');
      active = false;
    },
  };
}
