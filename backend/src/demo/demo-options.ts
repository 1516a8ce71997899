import { z } from 'zod';
import type { Flags } from '../cli/cli-runner.js';

export const DEMO_HELP = `
npm run demo [-- --port N] [--minutes M] [--seed S]

Starts the AWF backend on a temporary SQLite database (removed on exit), prints an admin token and the
dashboard URL, and plays a rollout story against it with a built-in traffic generator:
AWF is raised 10 % -> 25 % -> 50 % by the audited actor "demo", then the AWF model turns faulty (errors
and off-contract answers), the SLO monitor opens a critical alert and the stage is rolled back to 0 %.
The story takes --minutes; the server and the traffic keep running afterwards until Ctrl-C (or SIGTERM),
which stops everything and removes the temporary database.

  --port N       port to listen on, 0 for any free one (default 3000)
  --minutes M    length of the story in minutes, 0.5 to 60 (default 5)
  --seed S       seed of the traffic generator's players (default 1)
  --help         this text

Exit codes: 0 stopped cleanly, 2 bad flags, 3 the server could not start (e.g. the port is in use).
`;

export const DEMO_FLAGS: Flags = {
  port: { type: 'string' },
  minutes: { type: 'string' },
  seed: { type: 'string' },
};

export interface DemoOptions {
  port: number;
  durationMs: number;
  seed: number;
}

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const minutes = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of minutes from 0.5 to 60')
  .transform(Number)
  .refine((n) => n >= 0.5 && n <= 60, 'must be a number of minutes from 0.5 to 60');

export const demoArgsSchema = z
  .object({
    port: whole(0, 65535).optional(),
    minutes: minutes.optional(),
    seed: whole(0, 4_294_967_295).optional(),
  })
  .transform(
    (args): DemoOptions => ({
      port: args.port ?? 3000,
      durationMs: Math.round((args.minutes ?? 5) * 60_000),
      seed: args.seed ?? 1,
    }),
  );
