import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { retentionCommand } from '../src/retention/retention-command.js';

await runCommand(retentionCommand, wireServices());
