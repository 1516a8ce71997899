import { wireServices } from '../src/app/cli-wiring.js';
import { runCommand } from '../src/cli/cli-runner.js';
import { playCommand } from '../src/turns/play-command.js';

await runCommand(playCommand, wireServices({ retentionTimer: false }));
