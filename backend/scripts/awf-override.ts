import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { overrideCommand } from '../src/rollout/override-command.js';

await runCommand(overrideCommand, wireServices());
