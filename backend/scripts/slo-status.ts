/**
 * tsx backend/scripts/slo-status.ts [--window 5m|1h|24h|7d] [--json] [--help]
 * AWF SLO status over a window, merged across instances; exit 0 healthy, 1 violated or an alert open,
 * 2 usage or auth.
 * Reading SLO data needs AWF_ADMIN_TOKEN of a role with slo.read (any role).
 */
import { createServices } from '../src/app/create-services.js';
import { exitOnError } from '../src/cli/cli-errors.js';
import { parseConfig } from '../src/config/config.js';
import { runSloStatus } from '../src/slos/slo-status-command.js';

runSloStatus(process.argv.slice(2), { stdout: (text) => process.stdout.write(text) }, async (window) => {
  const config = parseConfig(process.env);
  const services = await createServices(config, { sloTimers: false, watchRollout: false });
  try {
    const token = process.env.AWF_ADMIN_TOKEN?.trim() || undefined;
    await services.auth.authenticate({ token, permission: 'slo.read', via: 'cli' });
    return await services.slos.status(window ?? config.sloMonitoring.evaluationWindow);
  } finally {
    await services.close();
  }
}).then((code) => {
  process.exitCode = code;
}, exitOnError);
