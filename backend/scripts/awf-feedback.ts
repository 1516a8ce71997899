/**
 * tsx backend/scripts/awf-feedback.ts --recent [--pipeline awf|legacy] [--rating down] [--since 24h] [--json]
 * Player ratings of turns for operators; needs AWF_ADMIN_TOKEN with slo.read.
 */
import { runAdminScript } from '../src/auth/admin-cli.js';
import { feedbackCommand } from '../src/feedback/feedback-command.js';

await runAdminScript(feedbackCommand);
