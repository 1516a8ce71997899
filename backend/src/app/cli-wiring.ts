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
  options: CreateServicesOptions = { watchRollout: false, sloTimers: false, auditTimers: false },
): Wire<Services & AdminDeps> {
  return async (env) => {
    const config = parseConfig(env);
    if (config.auth.changeRateSeed) {
      // The limit a change is judged by is the stored one: a caller cannot raise their own.
      process.stderr.write(
        "warning: AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S in this script's environment are ignored: changes are limited by the stored setting (awf-actors.ts rate-limit shows it; an admin changes it)\n",
      );
    }
    // Loaded only now, so --help and usage errors answer without loading the whole process.
    const { createServices } = await import('./create-services.js');
    // Never seeded from a script: its caller's environment must not set the limit.
    const services = await createServices(config, { lazyContent: true, ...options, seedRateLimit: false });
    return {
      deps: { ...services, caller: adminCaller(services.auth, env) },
      // AWF_BUNDLE_ON / AWF_PERCENT_ROLLOUT here reach no running server: say so, and name the live command.
      notes: scriptEnvironmentNotes(config.rollout),
      close: () => services.close(),
    };
  };
}
