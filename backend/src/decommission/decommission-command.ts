import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { EXIT } from '../cli/cli-errors.js';
import { type CliCommand, flagValue } from '../cli/cli-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import {
  checkDays,
  checkGoldenRuns,
  DEFAULT_DAYS,
  DEFAULT_GOLDEN_RUNS,
  type DecommissionReport,
  type DecommissionService,
  MAX_DAYS,
  MAX_GOLDEN_RUNS,
} from './decommission-service.js';

export const DECOMMISSION_USAGE = `Usage: tsx backend/scripts/awf-decommission.ts check [--days N] [--golden-runs N] [--json] [--help]

Judges, from stored data, whether the legacy pipeline can be decommissioned (the seed's prerequisites),
each item ✔ or ✘ with its evidence:
  full_rollout           the stored rollout is 100 % with the global flag on, for at least N days
                         (since when: replayed from the audit log's flag, percentage and plan steps)
  slos_healthy           no SLO violated in the SLO history of the last N days, no alert of the three
                         SLOs (and no critical one) open at any time in them, and each SLO within its
                         threshold over the period's AWF turns (at least SLO_MIN_SAMPLE of them) and
                         over each of its days (from the stored per-minute aggregates)
  goldens_passing        the latest --golden-runs full verify runs against the served content passed
  feedback_not_worse     AWF − legacy down-rate: the 95 % interval not wholly above SLO_FEEDBACK_DOWN_DELTA
                         (0 pp when unset); no ratings at all is "not collected" and passes
  legacy_only_fallbacks  no turn routed to legacy in the last N days (SLO aggregates and turn log):
                         legacy answered only AWF fallbacks
  nothing_forces_legacy  no active --disable override; EMERGENCY_FALLBACK, LEGACY_TURN_ENABLED and
                         AWF_BUNDLE_ON=false not set (in this process's environment: run it where the
                         servers' environment is, or ask GET /api/admin/decommission of a server)
  audit_chain            the audit chain verifies from the first entry to the head

  --days N          the period, in days (default ${DEFAULT_DAYS}; above 0, at most ${MAX_DAYS}, decimals allowed)
  --golden-runs N   how many of the latest golden verify runs must pass (default ${DEFAULT_GOLDEN_RUNS}; 1–${MAX_GOLDEN_RUNS})
  --json            print one JSON object {ready, checks: [{name, ok, summary, evidence}], …}
  --help, -h        print this help

Needs AWF_ADMIN_TOKEN of a role allowed to read the audit log (audit.read: operator, admin, auditor),
which also reads rollout and SLO data. It changes nothing. The runbook: docs/decommission-runbook.md.

Exit codes:
  0  ready: every prerequisite holds
  1  not ready: at least one does not (the ✘ lines say which and why)
  2  a flag or command is unknown, repeated or malformed, or the token is missing or not allowed
  3  the data could not be read (the store is unreachable, or another runtime failure): not a verdict`;

const days = flagValue((text): number => {
  if (!/^\d{1,4}(\.\d{1,3})?$/.test(text.trim())) {
    throw new InvalidInputError(`--days must be a number of days above 0, got ${JSON.stringify(text)}`);
  }
  try {
    return checkDays(Number(text));
  } catch {
    throw new InvalidInputError(
      `--days must be above 0 and at most ${MAX_DAYS}, got ${JSON.stringify(text)}`,
    );
  }
});

const goldenRuns = flagValue((text): number => {
  if (!/^\d{1,3}$/.test(text.trim())) {
    throw new InvalidInputError(`--golden-runs must be a whole number, got ${JSON.stringify(text)}`);
  }
  try {
    return checkGoldenRuns(Number(text));
  } catch {
    throw new InvalidInputError(
      `--golden-runs must be from 1 to ${MAX_GOLDEN_RUNS}, got ${JSON.stringify(text)}`,
    );
  }
});

const schema = z
  .object({
    positionals: z.array(z.string()),
    days: days.optional(),
    'golden-runs': goldenRuns.optional(),
    json: z.boolean().default(false),
  })
  .transform((args, ctx) => {
    const [command, ...extra] = args.positionals;
    if (command !== 'check') {
      ctx.addIssue({
        code: 'custom',
        message: command ? `unknown command ${JSON.stringify(command)}: use check` : 'give a command: check',
      });
      return z.NEVER;
    }
    if (extra.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unexpected argument ${JSON.stringify(extra[0])}` });
      return z.NEVER;
    }
    return {
      command,
      days: args.days ?? DEFAULT_DAYS,
      goldenRuns: args['golden-runs'] ?? DEFAULT_GOLDEN_RUNS,
      json: args.json,
    } as const;
  });

/** `tsx backend/scripts/awf-decommission.ts check` (the script is a thin entry point over this). */
export const decommissionCommand: CliCommand<
  typeof schema,
  AdminDeps & { decommission: DecommissionService }
> = {
  help: DECOMMISSION_USAGE,
  schema,
  allowPositionals: true,
  flags: { days: { type: 'string' }, 'golden-runs': { type: 'string' }, json: { type: 'boolean' } },
  async run(args, cli) {
    const { decommission, caller } = cli.deps;
    await caller.authenticate('audit.read');
    const report = await decommission.check({ days: args.days, goldenRuns: args.goldenRuns });
    cli.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatDecommissionReport(report));
    return report.ready ? EXIT.ok : EXIT.negative;
  },
};

/** The human form: one ✔/✘ line per prerequisite with its summary, then the verdict. */
export function formatDecommissionReport(report: DecommissionReport): string {
  const lines = [
    `Decommission check over the last ${report.days} day(s) (${report.from} to ${report.checkedAt}), ${report.goldenRuns} golden run(s):`,
    '',
    ...report.checks.map((check) => `${check.ok ? '✔' : '✘'} ${check.name}: ${check.summary}`),
    '',
  ];
  const unmet = report.checks.filter((check) => !check.ok);
  lines.push(
    report.ready
      ? 'Result: ready: every prerequisite holds; continue with docs/decommission-runbook.md'
      : `Result: not ready: ${unmet.length} of ${report.checks.length} prerequisites unmet (${unmet.map((check) => check.name).join(', ')})`,
  );
  return `${lines.join('\n')}\n`;
}
