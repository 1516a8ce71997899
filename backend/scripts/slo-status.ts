import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { sloStatusCommand } from '../src/slos/slo-status-command.js';

await runCommand(sloStatusCommand, wireServices());
