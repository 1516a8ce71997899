import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../auth/roles.js';
import {
  controlPlaneFingerprint,
  deniedEntriesAfter,
  seedActors,
} from '../../rollout/testing/control-plane.js';
import { buildApp } from '../../server/build-app.js';
import { type TestDatabaseTarget, testDatabaseTargets } from '../../store/testing/test-databases.js';
import { createTestServices, type TestServices } from './test-services.js';

export type AdminMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** The admin API on a fresh store of `target`, with one actor of each role and helpers to call it. */
export interface AdminApi {
  services: TestServices;
  app: FastifyInstance;
  tokens: Record<Role, string>;
  /** Calls `url` as `role` (no token when undefined). */
  call(
    method: AdminMethod,
    url: string,
    role: Role | undefined,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** The audit head's seq (0 when empty). */
  headSeq(): Promise<number>;
  /** Runs `request`, expects `status` and `code`, checks nothing but auth.denied was written, returns those. */
  expectRejected(
    request: () => Promise<LightMyRequestResponse>,
    status: number,
    code: string,
  ): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export async function startAdminApi(
  target: TestDatabaseTarget = sqliteTarget(),
  env: Record<string, string> = {},
): Promise<AdminApi> {
  const database = await target.open();
  let services: TestServices;
  try {
    services = await createTestServices(
      {
        AWF_CHANGE_RATE_LIMIT: '1000',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        ...env,
      },
      {
        watchRollout: false,
        sloTimers: false,
        ...(database.sqlitePath ? { sqlitePath: database.sqlitePath } : {}),
      },
    );
  } catch (error) {
    await database.close();
    throw error;
  }
  const app = await buildApp({ services });
  const { tokens } = await seedActors(services.auth);
  const headSeq = async () => (await services.audit.head())?.seq ?? 0;
  return {
    services,
    app,
    tokens,
    call: (method, url, role, payload, headers = {}) =>
      app.inject({
        method,
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
        headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...headers },
      }),
    headSeq,
    async expectRejected(request, status, code) {
      const before = await controlPlaneFingerprint(services.database);
      const seq = await headSeq();
      const response = await request();
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.json().error.code, code);
      assert.deepEqual(await controlPlaneFingerprint(services.database), before);
      return deniedEntriesAfter(services.audit, seq);
    },
    async close() {
      await app.close();
      await services.dispose();
      await database.close();
    },
  };
}

/** The SQLite target alone, for suites that need one store. */
function sqliteTarget(): TestDatabaseTarget {
  return testDatabaseTargets({}).find((target) => target.name === 'sqlite') as TestDatabaseTarget;
}
