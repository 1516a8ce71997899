import { runCommand } from '../src/cli/cli-runner.js';
import { loadCommand } from '../src/load/load-command.js';

await runCommand(loadCommand, () => ({ deps: {} }));
