import { createServices } from './app/create-services.js';
import { ConfigError, parseConfig } from './config/config.js';
import { formatRoutingLine } from './rollout/rollout-report.js';
import { buildApp } from './server/build-app.js';
import { serverArgsExit } from './server/server-usage.js';
import { AppError } from './shared/errors.js';

// `--help` prints the usage and an unknown argument is one line (exit 2): both before anything starts.
const argsExit = serverArgsExit(process.argv.slice(2), process);
if (argsExit !== undefined) process.exit(argsExit);

/** Under the 5 s a process manager typically allows between SIGTERM and SIGKILL. */
const STOP_DEADLINE_MS = 4500;

/** Process entry: parse config, wire services, listen, and close cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  // The server runs the staged plan's controller (scripts and tests do not).
  const services = await createServices(config, { planController: true });
  const app = await buildApp({ services, logger: { level: config.logLevel }, requestLog: config.requestLog });
  app.addHook('onClose', async () => services.close());
  // What this process routes by, and where each value comes from: an AWF_BUNDLE_ON exported after the
  // start, or a stored value the env shadows, is otherwise invisible. Printed before listening, so it
  // is the routing the first request gets.
  const { effective } = await services.rollout.status();
  console.log(formatRoutingLine(effective));
  for (const warning of effective.warnings) console.warn(`warning: ${warning}`);
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  const store = config.store.databaseUrl ? 'PostgreSQL' : `SQLite ${config.store.sqlitePath}`;
  console.log(
    `AWF backend listening on ${address} (store: ${store}, model: ${services.provider.name}, legacy model: ${services.legacyProvider.name})`,
  );
  // Graceful stop: stop accepting, finish in-flight requests, then services.close() flushes the SLO
  // aggregates of the last seconds. A process manager waits a few seconds before SIGKILL, so a stop
  // that hangs gives up at STOP_DEADLINE_MS rather than losing the flush silently.
  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(`AWF backend stopping (${signal}): finishing requests, flushing SLO aggregates`);
    const deadline = setTimeout(() => {
      console.error(`error: graceful stop took over ${STOP_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    app.close().then(
      () => {
        console.log('AWF backend stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`error: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`config error: ${problem}`);
    process.exit(2);
  }
  console.error(error instanceof AppError ? `error: ${error.message}` : error);
  process.exit(1);
});
