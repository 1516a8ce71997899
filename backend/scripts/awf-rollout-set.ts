import { runAdminScript } from '../src/auth/admin-cli.js';
import { rolloutSetCommand } from '../src/rollout/rollout-set-command.js';

await runAdminScript(rolloutSetCommand);
