import type { AuthService } from '../auth/auth-service.js';
import type { CliCommand } from '../cli/cli-runner.js';
import { driveLoad, type LoadProgress } from '../load/load-driver.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { SloService } from '../slos/awf-slos.js';
import { DEMO_FLAGS, DEMO_HELP, demoArgsSchema } from './demo-options.js';
import { runSteppedRollout } from './demo-scenario.js';

/** Turns a second the traffic generator plays: enough for the SLOs' minimum sample within a stage. */
export const DEMO_RATE_PER_S = 6;
/** Distinct players and the length of their sessions. */
const DEMO_USERS = 200;
const DEMO_TURNS_PER_SESSION = 8;
/** How often the terminal gets a traffic line. */
const TRAFFIC_LINE_MS = 15_000;

/** A server the demo started (the app's demo wiring builds it as `npm start` builds its own). */
export interface DemoServer {
  /** Base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** The temporary SQLite file; its directory is removed by close(). */
  sqlitePath: string;
  auth: Pick<AuthService, 'addFirstAdmin' | 'addActor' | 'authenticate'>;
  rollout: Pick<RolloutService, 'setRollout' | 'setPercent'>;
  slos: Pick<SloService, 'openCriticalAlerts'>;
  /** The AWF model's fault phase switch. */
  faults: { setFaulty(on: boolean): void };
  /** Stops the server (flushing its SLO aggregates) and removes the temporary directory; idempotent. */
  close(): Promise<void>;
}

export interface DemoDeps {
  startServer(options: { port: number }): Promise<DemoServer>;
  /** Resolves on the first SIGINT/SIGTERM (the entry point's process signals; a test may pass its own). */
  stopRequested: Promise<string>;
}

/**
 * `npm run demo`: a server on a temporary database, an admin token, traffic, and the rollout story
 * (demo-scenario.ts), until Ctrl-C; then everything stops and the temporary database is removed.
 */
export const demoCommand: CliCommand<typeof demoArgsSchema, DemoDeps> = {
  help: DEMO_HELP,
  flags: DEMO_FLAGS,
  schema: demoArgsSchema,
  async run(options, cli) {
    const server = await cli.deps.startServer({ port: options.port });
    const stop = new AbortController();
    const stamp = (() => {
      const started = Date.now();
      return () => {
        const s = Math.floor((Date.now() - started) / 1000);
        return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
      };
    })();
    const log = (line: string) => cli.out(`${stamp()} ${line}`);
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
      const operator = await server.auth.addActor(adminPrincipal, { name: 'demo', role: 'operator' });
      const actor = await server.auth.authenticate({
        token: operator.token,
        permission: 'rollout.write',
        via: 'cli',
      });
      cli.out(`AWF demo: server on ${server.url} (temporary SQLite ${server.sqlitePath}, removed on exit)`);
      cli.out(`dashboard: ${server.url}/dashboard`);
      cli.out(`admin token (actor demo-admin): ${admin.token}`);
      cli.out(
        `CLI against this demo: AWF_DB_PATH=${server.sqlitePath} AWF_ADMIN_TOKEN=${admin.token} npx tsx backend/scripts/audit-logs.ts`,
      );
      cli.out(
        `traffic: ${DEMO_RATE_PER_S} turns/s from ${DEMO_USERS} players (seed ${options.seed}); the story takes ${options.durationMs / 60_000} min; Ctrl-C stops`,
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

      // INTEGRATION POINT (issue 12's staged plan, branch plan-core): when the server has a plan
      // capability, start a short plan here (bakes of a minute) instead of stepping the percent.
      story = runSteppedRollout({
        rollout: server.rollout,
        slos: server.slos,
        actor,
        faults: server.faults,
        log,
        durationMs: options.durationMs,
        signal: stop.signal,
      }).then(
        () => {
          if (!stop.signal.aborted)
            log('the story is told: the server and the traffic keep running; Ctrl-C stops');
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
