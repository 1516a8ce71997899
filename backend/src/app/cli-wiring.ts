import { type AdminDeps, adminCaller } from '../cli/admin-cli.js';
import type { Wire } from '../cli/cli-runner.js';
import { parseConfig } from '../config/config.js';
import { scriptEnvironmentNotes } from '../rollout/rollout-report.js';
import type { CreateServicesOptions, Services } from './create-services.js';

/**
 * The scripts' wiring (backend/scripts/*.ts hand it to the runner): config from the environment, the
 * process's services, and the caller's AWF_ADMIN_TOKEN. By default read-and-change scripts start no
 * SLO timers and do not watch the rollout state.
 */
export function wireServices(
  options: CreateServicesOptions = { watchRollout: false, sloTimers: false },
): Wire<Services & AdminDeps> {
  return async (env) => {
    const config = parseConfig(env);
    // Loaded only now, so --help and usage errors answer without loading the whole process.
    const { createServices } = await import('./create-services.js');
    const services = await createServices(config, options);
    return {
      deps: { ...services, caller: adminCaller(services.auth, env) },
      // AWF_BUNDLE_ON / AWF_PERCENT_ROLLOUT here reach no running server: say so, and name the live command.
      notes: scriptEnvironmentNotes(config.rollout),
      close: () => services.close(),
    };
  };
}
