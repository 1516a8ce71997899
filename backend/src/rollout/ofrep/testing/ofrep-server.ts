import type { FastifyInstance } from 'fastify';
import type { CreateServicesOptions } from '../../../app/create-services.js';
import { createTestServices, type TestServices } from '../../../app/testing/test-services.js';
import { buildApp } from '../../../server/build-app.js';
import type { TestDatabase } from '../../../store/testing/test-databases.js';

/** One server process's worth: its services over a shared test database, listening on a free port. */
export interface OfrepServer {
  services: TestServices;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>`: what an OFREP provider's baseUrl is set to. */
  baseUrl: string;
  close(): Promise<void>;
}

/** The environment that points a process at `database` (PostgreSQL URL or the SQLite file). */
export function storeEnv(database: TestDatabase): Record<string, string> {
  return database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath as string };
}

/**
 * Services wired as the process wires them over `database`, with the app listening on 127.0.0.1:0 so
 * a real OFREP client talks HTTP to it. Several may share one database, as instances do.
 */
export async function startOfrepServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  options: CreateServicesOptions = {},
): Promise<OfrepServer> {
  const services = await createTestServices(
    { AWF_CHANGE_RATE_LIMIT: '1000', ...(database.url ? { DATABASE_URL: database.url } : {}), ...env },
    {
      watchRollout: false,
      sloTimers: false,
      ...(database.sqlitePath ? { sqlitePath: database.sqlitePath } : {}),
      ...options,
    },
  );
  const app = await buildApp({ services });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    services,
    app,
    baseUrl: address,
    async close() {
      await app.close();
      await services.dispose();
    },
  };
}
