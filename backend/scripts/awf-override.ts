import { runAdminScript } from '../src/auth/admin-cli.js';
import { overrideCommand } from '../src/rollout/override-command.js';

await runAdminScript(overrideCommand);
