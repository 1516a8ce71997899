import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { planCommand } from '../src/plan/plan-command.js';

await runCommand(planCommand, wireServices());
