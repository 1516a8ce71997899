import { z } from 'zod';
import type { Flags } from '../cli/cli-runner.js';
import { seedFlag, wholeNumberFlag } from '../cli/quantity-flags.js';

export const DEMO_HELP = `
npm run demo [-- --port N] [--bake S] [--interval S] [--seed S]

Starts the AWF backend on a temporary SQLite database (removed on exit), stores a full golden run on
the content it serves, prints an admin token and the dashboard URL, and tells a rollout story with a
built-in traffic generator: the operator "demo" starts a staged plan (5 % -> 25 % -> 50 % -> 100 %,
each stage baking --bake seconds, rollback on failure) that the server's controller advances; a second
operator "demo-approver" approves 100 %; then the AWF model turns faulty (errors and off-contract
answers), a gate fails and the plan rolls back to 0 % with its evidence. Each plan decision is printed
as it happens. With the default bake the story takes three to four minutes; the server and the traffic
keep running afterwards until Ctrl-C (or SIGTERM), which stops everything and removes the temporary
database.

  --port N       port to listen on, 0 for any free one (default 3000)
  --bake S       seconds each stage bakes before it may advance, 5 to 600 (default 60)
  --interval S   seconds between the plan controller's evaluations, 1 to 60 (default 5)
  --seed S       seed of the traffic generator's players (default 1)
  --help         this text

Exit codes: 0 stopped cleanly, 2 bad flags, 3 the server could not start (the port is in use, or the
golden suite did not pass on the served content).
`;

export const DEMO_FLAGS: Flags = {
  port: { type: 'string' },
  bake: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
};

export interface DemoOptions {
  port: number;
  bakeMs: number;
  intervalMs: number;
  seed: number;
}

export const demoArgsSchema = z
  .object({
    port: wholeNumberFlag(0, 65535).optional(),
    bake: wholeNumberFlag(5, 600).optional(),
    interval: wholeNumberFlag(1, 60).optional(),
    seed: seedFlag().optional(),
  })
  .transform(
    (args): DemoOptions => ({
      port: args.port ?? 3000,
      bakeMs: (args.bake ?? 60) * 1000,
      intervalMs: (args.interval ?? 5) * 1000,
      seed: args.seed ?? 1,
    }),
  );
