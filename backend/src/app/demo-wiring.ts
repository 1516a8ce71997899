import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config/config.js';
import { loadContent } from '../content/content-loader.js';
import type { DemoServer, DemoServerLog } from '../demo/demo-command.js';
import { DEMO_FAULTS, DEMO_SERVER_ENV } from '../demo/demo-settings.js';
import { faultPhaseProvider } from '../demo/fault-phase-provider.js';
import { createModelProvider } from '../model/create-provider.js';
import { createLocalProvider } from '../model/local/local-provider.js';
import { buildApp } from '../server/build-app.js';
import { runGoldenSuite } from '../simulate/golden-suite-process.js';
import { createServices } from './create-services.js';

/**
 * The demo's server, built as `npm start` builds its own (createServices + buildApp + listen, the plan
 * controller running every `planIntervalMs`), on a SQLite file in a fresh temporary directory where
 * the full golden suite has stored its run first (as an operator runs it before a plan: without it
 * the plan holds on goldens_missing), with the AWF model behind the demo's fault switch. The settings
 * are the demo's own (demo-settings.ts), never the caller's environment. Whatever fails half way is
 * undone before the error is thrown.
 */
export async function startDemoServer(options: {
  port: number;
  planIntervalMs: number;
  log: DemoServerLog;
}): Promise<DemoServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'awf-demo-'));
  const sqlitePath = path.join(dir, 'awf.db');
  let closeApp: (() => Promise<unknown>) | undefined;
  try {
    const goldens = await runGoldenSuite(sqlitePath);
    const config = parseConfig({
      ...DEMO_SERVER_ENV,
      AWF_DB_PATH: sqlitePath,
      PORT: String(options.port),
      AWF_PLAN_INTERVAL_MS: String(options.planIntervalMs),
    });
    const content = loadContent(config.content.dir);
    const local = { content, ...config.model.local, timeoutMs: config.model.timeoutMs };
    const faults = faultPhaseProvider(
      createLocalProvider(local),
      createLocalProvider({ ...local, ...DEMO_FAULTS }),
    );
    const services = await createServices(config, {
      content,
      provider: faults,
      legacyProvider: createModelProvider(config.legacyModel, content),
      planController: true,
      log: options.log,
    });
    const app = await buildApp({
      services,
      logger: { level: config.logLevel },
      requestLog: config.requestLog,
    });
    app.addHook('onClose', async () => services.close());
    closeApp = () => app.close();
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    let closing: Promise<void> | undefined;
    return {
      url: address.replace(/\/$/, ''),
      sqlitePath,
      goldens,
      auth: services.auth,
      rollout: services.rollout,
      plan: services.plan.service,
      faults,
      close() {
        closing ??= (async () => {
          try {
            await app.close();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await closeApp?.().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
