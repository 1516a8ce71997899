import { runCommand } from '../src/cli/cli-runner.js';
import { demoCommand } from '../src/demo/demo-command.js';

const stopRequested = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

await runCommand(demoCommand, () => ({
  deps: {
    // Loaded only once the flags are valid, so --help and a bad flag answer at once.
    startServer: async (options) => (await import('../src/app/demo-wiring.js')).startDemoServer(options),
    stopRequested,
  },
}));
