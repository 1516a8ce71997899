import { auditLogsCommand } from '../src/audit/audit-logs-command.js';
import { runAdminScript } from '../src/auth/admin-cli.js';

await runAdminScript(auditLogsCommand);
