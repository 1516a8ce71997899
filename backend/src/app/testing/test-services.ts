import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../config/config.js';
import { type CreateServicesOptions, createServices, type Services } from '../create-services.js';

export type TestServices = Services & { sqlitePath: string; dispose(): Promise<void> };

/**
 * Services wired exactly as the process wires them, on a fresh SQLite file in a temp directory.
 * `env` is parsed like the process environment (so a test says AWF_BUNDLE_ON=true, not a field).
 */
export async function createTestServices(
  env: Record<string, string> = {},
  options: CreateServicesOptions & { sqlitePath?: string } = {},
): Promise<TestServices> {
  const dir = options.sqlitePath ? undefined : mkdtempSync(path.join(tmpdir(), 'awf-test-'));
  const sqlitePath = options.sqlitePath ?? path.join(dir as string, 'awf.db');
  const config = parseConfig({ AWF_DB_PATH: sqlitePath, ...env });
  // No retention timer unless a test asks for one: a prune in the middle of a test would delete the
  // old rows it inserted on purpose.
  const services = await createServices(config, { retentionTimer: false, ...options });
  return {
    ...services,
    sqlitePath,
    async dispose() {
      await services.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
