import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, flagValue } from '../cli/cli-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { parseTtl } from '../shared/time-input.js';
import type { PlanController } from './plan-controller.js';
import { explainDecision, formatDecisionLine, formatPlanStatus, formatReplay } from './plan-report.js';
import type { PlanService } from './plan-service.js';
import type { StagePercent } from './plan-types.js';

const HELP = `The staged rollout plan: stages, evidence gates, automatic rollback (docs/rollout-plan.md).

Usage:
  tsx backend/scripts/awf-plan.ts start [--stages 5,25,50,100] [--bake 7d] [--min-sample N]
                                        [--on-failure rollback|previous|pause] [--fail-after 3]
                                        [--no-approval] [--run-goldens] --actor <you>
  tsx backend/scripts/awf-plan.ts status [--json]
  tsx backend/scripts/awf-plan.ts pause --reason "why" --actor <you>
  tsx backend/scripts/awf-plan.ts resume --actor <you>
  tsx backend/scripts/awf-plan.ts approve --actor <someone else>
  tsx backend/scripts/awf-plan.ts abort [--reason "why"] --actor <you>
  tsx backend/scripts/awf-plan.ts explain [--limit 5] [--json]
  tsx backend/scripts/awf-plan.ts replay <decision-id> [--json]
  tsx backend/scripts/awf-plan.ts tick [--json]

  --stages LIST     rising percentages, comma-separated; 'shadow' may come first (default: shadow
                    when a shadow rate is set, then 5,25,50,100)
  --bake DURATION   minimum time in each stage: 30s, 15m, 12h, 7d (default 7d)
  --min-sample N    minimum AWF turns per stage (default: derived from the SLO thresholds, see status)
  --on-failure X    rollback (to 0 %, default), previous (the stage before) or pause
  --fail-after N    failing evaluations in a row before acting (default 3; a confirmed critical breach acts at once)
  --no-approval     no second actor's approval before 100 % (default: approval needed)
  --run-goldens     the controller runs the golden suite itself (in a child process, stored as
                    source plan-controller) when no run on the served content and code exists
                    (default: off, the goldens gate holds goldens_missing until someone runs it)
  --reason TEXT     why (pause: required; abort: optional), kept in the audit entry
  --limit N         explain: how many decisions (default 5, at most 1000)
  --actor NAME      who you are: must be the actor of AWF_ADMIN_TOKEN
  --json            print JSON instead of text

The token comes from AWF_ADMIN_TOKEN: changes need rollout.write (operator or admin), status,
explain and replay rollout.read. approve must come from another actor than the one who started the
plan. tick runs one evaluation (for cron, where no server runs the controller).
Exit codes: 0 done; 2 bad input, authentication, permission, or a change the plan's state refuses
(nothing changed); 3 the store could not be reached or another runtime failure.`;

function parseStages(text: string): StagePercent[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new InvalidInputError(
      `--stages must be comma-separated percentages like 5,25,50,100, got ${JSON.stringify(text)}`,
    );
  }
  return parts.map((part) => {
    if (part === 'shadow') return 'shadow';
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(part) || Number(part) <= 0 || Number(part) > 100) {
      throw new InvalidInputError(
        `--stages: ${JSON.stringify(part)} is not a percentage above 0 and at most 100 (two decimals)`,
      );
    }
    return Number(part);
  });
}

const wholeNumber = (flag: string, max: number) =>
  flagValue((text) => {
    if (!/^\d{1,10}$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) {
      throw new InvalidInputError(
        `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`,
      );
    }
    return Number(text);
  });

const COMMANDS = [
  'start',
  'status',
  'pause',
  'resume',
  'approve',
  'abort',
  'explain',
  'replay',
  'tick',
] as const;
/** Which flags each command takes (besides --actor and --json). */
const ALLOWED: Record<(typeof COMMANDS)[number], readonly string[]> = {
  start: ['stages', 'bake', 'min-sample', 'on-failure', 'fail-after', 'no-approval', 'run-goldens'],
  status: [],
  pause: ['reason'],
  resume: [],
  approve: [],
  abort: ['reason'],
  explain: ['limit'],
  replay: [],
  tick: [],
};

const schema = z
  .object({
    positionals: z.array(z.string()),
    stages: flagValue(parseStages).optional(),
    bake: flagValue((text) => parseTtl(text, '--bake')).optional(),
    'min-sample': wholeNumber('--min-sample', 1_000_000_000).optional(),
    'on-failure': z
      .enum(['rollback', 'previous', 'pause'], { error: 'takes rollback, previous or pause' })
      .optional(),
    'fail-after': wholeNumber('--fail-after', 1000).optional(),
    'no-approval': z.boolean().optional(),
    'run-goldens': z.boolean().optional(),
    reason: z.string().max(500, { error: 'at most 500 characters' }).optional(),
    limit: wholeNumber('--limit', 1000).optional(),
    actor: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .transform((args, ctx) => {
    const [command, ...extra] = args.positionals;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!command) return fail(`give a command: ${COMMANDS.join(', ')}`);
    if (!(COMMANDS as readonly string[]).includes(command)) {
      return fail(`unknown command ${JSON.stringify(command)}: use ${COMMANDS.join(', ')}`);
    }
    const name = command as (typeof COMMANDS)[number];
    const given = Object.entries(args)
      .filter(([key, value]) => !['positionals', 'actor', 'json'].includes(key) && value !== undefined)
      .map(([key]) => key);
    const stray = given.find((flag) => !ALLOWED[name].includes(flag));
    if (stray) return fail(`${name} does not take --${stray}`);
    if (name === 'replay') {
      if (extra.length !== 1) return fail('replay takes one decision id');
    } else if (extra.length > 0) return fail(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (name === 'pause' && !args.reason?.trim()) return fail('pause needs --reason "why"');
    return { ...args, command: name, decisionId: extra[0] };
  });

/** `tsx backend/scripts/awf-plan.ts` (the script is a thin entry point over this). */
export const planCommand: CliCommand<
  typeof schema,
  AdminDeps & { plan: { service: PlanService; controller: PlanController } }
> = {
  help: HELP,
  schema,
  allowPositionals: true,
  flags: {
    stages: { type: 'string' },
    bake: { type: 'string' },
    'min-sample': { type: 'string' },
    'on-failure': { type: 'string' },
    'fail-after': { type: 'string' },
    'no-approval': { type: 'boolean' },
    'run-goldens': { type: 'boolean' },
    reason: { type: 'string' },
    limit: { type: 'string' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const { plan, caller } = cli.deps;
    const print = (value: unknown, words: () => string[]) =>
      cli.out(args.json ? JSON.stringify(value, null, 2) : words().join('\n'));
    switch (args.command) {
      case 'status': {
        await caller.authenticate('rollout.read', args.actor);
        const status = await plan.service.status();
        print(status, () => formatPlanStatus(status.plan));
        return 0;
      }
      case 'explain': {
        await caller.authenticate('rollout.read', args.actor);
        const decisions = await plan.service.decisions({ limit: args.limit ?? 5 });
        print({ decisions }, () =>
          decisions.length === 0
            ? ['no plan decision recorded yet']
            : decisions.flatMap((d) => [...explainDecision(d), '']),
        );
        return 0;
      }
      case 'replay': {
        await caller.authenticate('rollout.read', args.actor);
        const result = await plan.service.replay(args.decisionId as string);
        print(result, () => formatReplay(result));
        return result.agrees ? 0 : 1;
      }
      case 'tick': {
        await caller.authenticate('rollout.write', args.actor);
        const decision = await plan.controller.evaluateOnce();
        print({ decision: decision ?? null }, () =>
          decision ? explainDecision(decision) : ['no plan is running: nothing to evaluate'],
        );
        return 0;
      }
      default:
        break;
    }
    const principal = await caller.authenticate('rollout.write', args.actor);
    const view = await (async () => {
      switch (args.command) {
        case 'start':
          return plan.service.start({
            stages: args.stages,
            bakeMs: args.bake,
            minSample: args['min-sample'],
            onFailure: args['on-failure'],
            failAfter: args['fail-after'],
            approvalBefore100: args['no-approval'] ? false : undefined,
            runGoldens: args['run-goldens'],
            actor: principal,
          });
        case 'pause':
          return plan.service.pause({ actor: principal, reason: args.reason as string });
        case 'resume':
          return plan.service.resume({ actor: principal });
        case 'approve':
          return plan.service.approve({ actor: principal });
        default:
          return plan.service.abort({ actor: principal, reason: args.reason });
      }
    })();
    print({ plan: view }, () => formatPlanStatus(view));
    if (!args.json && view.lastDecision) cli.note(`last decision: ${formatDecisionLine(view.lastDecision)}`);
    return 0;
  },
};
