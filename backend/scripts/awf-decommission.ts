import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { decommissionCommand } from '../src/decommission/decommission-command.js';

await runCommand(decommissionCommand, wireServices());
