import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { rolloutSetCommand } from '../src/rollout/rollout-set-command.js';

await runCommand(rolloutSetCommand, wireServices());
