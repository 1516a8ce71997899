import { createServices } from '../src/app/create-services.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { parseConfig } from '../src/config/config.js';
import { runGoldenSuite } from '../src/simulate/golden-suite-process.js';
import { simulateCommand } from '../src/simulate/simulate-command.js';

await runCommand(simulateCommand, () => ({
  deps: {
    runGoldens: runGoldenSuite,
    openProcess: ({ sqlitePath, clock, env, log }) =>
      createServices(parseConfig({ ...env, AWF_DB_PATH: sqlitePath }), {
        clock,
        sloTimers: false,
        retentionTimer: false,
        watchRollout: false,
        auditTimers: false,
        seedRateLimit: false,
        planController: false,
        log,
      }),
  },
}));
