import { wireServices } from '../src/app/cli-wiring.js';
import { auditLogsCommand } from '../src/audit/audit-logs-command.js';
import { runCommand } from '../src/cli/cli-runner.js';

await runCommand(auditLogsCommand, wireServices());
