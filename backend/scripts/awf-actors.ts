import { wireServices } from '../src/app/cli-wiring.js';
import { actorsCommand } from '../src/auth/actors-command.js';
import { runCommand } from '../src/cli/cli-runner.js';

await runCommand(actorsCommand, wireServices());
