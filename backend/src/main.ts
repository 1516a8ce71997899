import { createServices } from './app/create-services.js';
import { ConfigError, parseConfig } from './config/config.js';
import { buildApp } from './server/build-app.js';
import { AppError } from './shared/errors.js';

/** Process entry: parse config, wire services, listen, and close cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const services = await createServices(config);
  const app = await buildApp({ services, logger: { level: config.logLevel } });
  app.addHook('onClose', async () => services.close());
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  const store = config.store.databaseUrl ? 'PostgreSQL' : `SQLite ${config.store.sqlitePath}`;
  console.log(`AWF backend listening on ${address} (store: ${store}, model: ${services.provider.name})`);
  const shutdown = async (): Promise<void> => {
    await app.close();
    process.exit(0);
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
