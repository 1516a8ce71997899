import type { AuthService } from '../auth/auth-service.js';
import type { CliCommand } from '../cli/cli-runner.js';
import { driveLoad, type LoadProgress } from '../load/load-driver.js';
import type { PlanService } from '../plan/plan-service.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { DEMO_FLAGS, DEMO_HELP, demoArgsSchema } from './demo-options.js';
import { runPlanStory } from './demo-scenario.js';

/** Turns a second the traffic generator plays: enough for a 5 % stage's minimum sample within a minute. */
export const DEMO_RATE_PER_S = 12;
/** Distinct players and the length of their sessions. */
const DEMO_USERS = 2000;
const DEMO_TURNS_PER_SESSION = 8;
/** How often the terminal gets a traffic line. */
const TRAFFIC_LINE_MS = 15_000;

/** A server the demo started (the app's demo wiring builds it as `npm start` builds its own). */
export interface DemoServer {
  /** Base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** The temporary SQLite file; its directory is removed by close(). */
  sqlitePath: string;
  /** What the full golden run stored on the served content said (the plan's goldens gate judges it). */
  goldens: string;
  auth: Pick<AuthService, 'addFirstAdmin' | 'addActor' | 'authenticate'>;
  rollout: Pick<RolloutService, 'setRollout'>;
  /** The staged plan's service; the server runs its controller. */
  plan: Pick<PlanService, 'start' | 'status' | 'approve' | 'decisions'>;
  /** The AWF model's fault phase switch. */
  faults: { setFaulty(on: boolean): void };
  /** Stops the server (flushing its SLO aggregates) and removes the temporary directory; idempotent. */
  close(): Promise<void>;
}

/** Where the server's own lines (SLO alerts, warnings) go: the demo's timestamped terminal. */
export interface DemoServerLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface DemoDeps {
  startServer(options: { port: number; planIntervalMs: number; log: DemoServerLog }): Promise<DemoServer>;
  /** Resolves on the first SIGINT/SIGTERM (the entry point's process signals; a test may pass its own). */
  stopRequested: Promise<string>;
}

/**
 * `npm run demo`: a server on a temporary database with a golden run stored, an admin token, traffic,
 * and the staged plan's story (demo-scenario.ts), until Ctrl-C; then everything stops and the
 * temporary database is removed.
 */
export const demoCommand: CliCommand<typeof demoArgsSchema, DemoDeps> = {
  help: DEMO_HELP,
  flags: DEMO_FLAGS,
  schema: demoArgsSchema,
  async run(options, cli) {
    const stop = new AbortController();
    const stamp = (() => {
      const started = Date.now();
      return () => {
        const s = Math.floor((Date.now() - started) / 1000);
        return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
      };
    })();
    const log = (line: string) => cli.out(`${stamp()} ${line}`);
    cli.out('AWF demo: storing a full golden run on the served content, then starting the server…');
    const server = await cli.deps.startServer({
      port: options.port,
      planIntervalMs: options.intervalMs,
      log: {
        // The controller's step lines: the story prints every decision with its evidence instead.
        info: (line) => {
          if (!/^plan /.test(line)) log(line);
        },
        warn: (line) => log(`warning: ${line}`),
        error: (line) => cli.note(`${stamp()} ${line}`),
      },
    });
    let traffic: Promise<unknown> = Promise.resolve();
    let story: Promise<void> = Promise.resolve();
    let trafficLine: NodeJS.Timeout | undefined;
    try {
      const admin = await server.auth.addFirstAdmin({ name: 'demo-admin', via: 'cli' });
      const adminPrincipal = await server.auth.authenticate({
        token: admin.token,
        permission: 'actors.manage',
        via: 'cli',
      });
      const operatorOf = async (name: string) => {
        const added = await server.auth.addActor(adminPrincipal, { name, role: 'operator' });
        return server.auth.authenticate({ token: added.token, permission: 'rollout.write', via: 'cli' });
      };
      const operator = await operatorOf('demo');
      const approver = await operatorOf('demo-approver');
      cli.out(`AWF demo: server on ${server.url} (temporary SQLite ${server.sqlitePath}, removed on exit)`);
      cli.out(`goldens: ${server.goldens}`);
      cli.out(`dashboard: ${server.url}/dashboard`);
      cli.out(`admin token (actor demo-admin): ${admin.token}`);
      cli.out(
        `CLI against this demo: AWF_DB_PATH=${server.sqlitePath} AWF_ADMIN_TOKEN=${admin.token} npx tsx backend/scripts/audit-logs.ts`,
      );
      cli.out(
        `traffic: ${DEMO_RATE_PER_S} turns/s from ${DEMO_USERS} players (seed ${options.seed}); plan controller every ${options.intervalMs / 1000} s; Ctrl-C stops`,
      );

      let progress: LoadProgress | undefined;
      traffic = driveLoad({
        urls: [server.url],
        durationMs: Number.POSITIVE_INFINITY,
        rate: DEMO_RATE_PER_S,
        users: DEMO_USERS,
        turnsPerSession: DEMO_TURNS_PER_SESSION,
        seed: options.seed,
        signal: stop.signal,
        onProgress: (latest) => {
          progress = latest;
        },
      });
      trafficLine = setInterval(() => {
        if (progress)
          log(
            `traffic: ${progress.turnsSent} turns sent, ${progress.acknowledged} answered, ${progress.status5xx} 5xx`,
          );
      }, TRAFFIC_LINE_MS);

      story = runPlanStory({
        plan: server.plan,
        rollout: server.rollout,
        operator,
        approver,
        faults: server.faults,
        log,
        bakeMs: options.bakeMs,
        signal: stop.signal,
      }).then(
        (end) => {
          if (end !== 'stopped')
            log(
              `the story is told (plan ${end}): the server and the traffic keep running; open the dashboard's audit feed, or Ctrl-C to stop`,
            );
        },
        (error: unknown) =>
          log(`demo step failed: ${error instanceof Error ? error.message : String(error)}`),
      );

      const signal = await cli.deps.stopRequested;
      log(`stopping (${signal}): traffic, then the server; removing ${server.sqlitePath}`);
    } finally {
      stop.abort();
      if (trafficLine) clearInterval(trafficLine);
      await story;
      await traffic.catch(() => {});
      await server.close();
    }
    cli.out('AWF demo stopped; nothing left behind');
    return 0;
  },
};
