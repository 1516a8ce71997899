/**
 * npm run slo:rules [-- --out <dir>] [--check] [--stdout]
 * Writes the Prometheus rules for the AWF SLOs (thresholds from SLO_* env) and their promtool test file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, parseConfig } from '../src/config/config.js';
import { RULES_FILE_NAME, RULES_TEST_FILE_NAME, renderSloRuleFiles } from '../src/slos/slo-rule-files.js';

const USAGE = `Usage: npm run slo:rules -- [--out <dir>] [--check] [--stdout]

Generates Prometheus recording and multi-window, multi-burn-rate alerting rules for the three AWF
SLOs from SLO_TURN_P95_MS, SLO_INVALID_RETRY_RATE and SLO_FALLBACK_RATE, and a promtool test file.

  --out <dir>  where to write ${RULES_FILE_NAME} and ${RULES_TEST_FILE_NAME} (default backend/prometheus)
  --check      write nothing; exit 1 when the files in --out differ from what would be generated
  --stdout     print the rules file instead of writing
  --help, -h   print this help

Check them with: promtool check rules <dir>/${RULES_FILE_NAME}; promtool test rules <dir>/${RULES_TEST_FILE_NAME}`;

const DEFAULT_OUT = path.resolve(import.meta.dirname, '../prometheus');

const argsSchema = z
  .object({
    out: z.string().min(1, '--out needs a directory').default(DEFAULT_OUT),
    check: z.boolean().default(false),
    stdout: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();

function main(): number {
  let args: z.infer<typeof argsSchema>;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        out: { type: 'string' },
        check: { type: 'boolean' },
        stdout: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid arguments');
    args = parsed.data;
  } catch (error) {
    console.error(`slo-rules: ${error instanceof Error ? error.message : String(error)} (see --help)`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const { slo } = parseConfig(process.env);
  const files = renderSloRuleFiles(slo);
  if (args.stdout) {
    process.stdout.write(files.rules);
    return 0;
  }
  const targets = [
    [path.join(args.out, RULES_FILE_NAME), files.rules],
    [path.join(args.out, RULES_TEST_FILE_NAME), files.test],
  ] as const;
  if (args.check) {
    const stale = targets.filter(([file, text]) => readOrEmpty(file) !== text).map(([file]) => file);
    for (const file of stale) console.error(`slo-rules: ${file} is out of date; run npm run slo:rules`);
    return stale.length === 0 ? 0 : 1;
  }
  mkdirSync(args.out, { recursive: true });
  for (const [file, text] of targets) {
    writeFileSync(file, text);
    console.log(`slo-rules: wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`slo-rules: config error: ${problem}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
