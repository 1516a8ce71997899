/**
 * The golden test runner (DESIGN §6): `tsx backend/src/goldens/runner.ts --help`.
 * npm run awf:golden:record / awf:golden:test call it with --mode record / --mode verify.
 */
import { runCommand } from '../cli/cli-runner.js';
import { goldenCommand } from './golden-cli.js';

await runCommand(goldenCommand, () => ({ deps: {} }));
