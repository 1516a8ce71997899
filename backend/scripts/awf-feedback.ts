import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { feedbackCommand } from '../src/feedback/feedback-command.js';

await runCommand(feedbackCommand, wireServices());
