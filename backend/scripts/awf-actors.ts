import { actorsCommand } from '../src/auth/actors-command.js';
import { runAdminScript } from '../src/auth/admin-cli.js';

await runAdminScript(actorsCommand);
