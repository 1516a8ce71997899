import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CliCommand } from '../cli/cli-runner.js';
import type { SloThresholds } from './slo-definitions.js';
import { RULES_FILE_NAME, RULES_TEST_FILE_NAME, renderSloRuleFiles } from './slo-rule-files.js';

/** Where `npm run slo:rules` writes by default: backend/prometheus. */
export const DEFAULT_RULES_DIR = path.resolve(import.meta.dirname, '../../prometheus');

const HELP = `Usage: npm run slo:rules -- [--out <dir>] [--check] [--stdout]

Generates Prometheus recording and multi-window, multi-burn-rate alerting rules for the three AWF
SLOs from SLO_TURN_P95_MS, SLO_INVALID_RETRY_RATE and SLO_FALLBACK_RATE, and a promtool test file.

  --out <dir>  where to write ${RULES_FILE_NAME} and ${RULES_TEST_FILE_NAME} (default backend/prometheus)
  --check      write nothing; exit 1 when the files in --out differ from what would be generated
  --stdout     print the rules file instead of writing
  --help, -h   print this help

Check them with: promtool check rules <dir>/${RULES_FILE_NAME}; promtool test rules <dir>/${RULES_TEST_FILE_NAME}
Exit codes: 0 written (or up to date with --check); 1 --check found a file out of date; 2 a flag or
SLO_* variable is unknown, repeated or malformed; 3 a file could not be written or another runtime failure.`;

const schema = z.object({
  out: z.string().min(1, 'needs a directory').default(DEFAULT_RULES_DIR),
  check: z.boolean().default(false),
  stdout: z.boolean().default(false),
});

/** `npm run slo:rules`: needs only the SLO thresholds (from the config). */
export const sloRulesCommand: CliCommand<typeof schema, { slo: SloThresholds }> = {
  help: HELP,
  flags: { out: { type: 'string' }, check: { type: 'boolean' }, stdout: { type: 'boolean' } },
  schema,
  async run(args, cli) {
    const files = renderSloRuleFiles(cli.deps.slo);
    if (args.stdout) {
      cli.stdout.write(files.rules);
      return 0;
    }
    const out = path.resolve(cli.cwd, args.out);
    const targets = [
      [path.join(out, RULES_FILE_NAME), files.rules],
      [path.join(out, RULES_TEST_FILE_NAME), files.test],
    ] as const;
    if (args.check) {
      const stale = targets.filter(([file, text]) => readOrEmpty(file) !== text).map(([file]) => file);
      for (const file of stale) cli.note(`slo-rules: ${file} is out of date; run npm run slo:rules`);
      return stale.length === 0 ? 0 : 1;
    }
    mkdirSync(out, { recursive: true });
    for (const [file, text] of targets) {
      writeFileSync(file, text);
      cli.out(`slo-rules: wrote ${path.relative(cli.cwd, file)}`);
    }
    return 0;
  },
};

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
