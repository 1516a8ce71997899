/**
 * The golden test runner (DESIGN §6): `tsx backend/src/goldens/runner.ts --help`.
 * npm run awf:golden:record / awf:golden:test call it with --mode record / --mode verify.
 */
import { runGoldenCli } from './golden-cli.js';

process.exitCode = await runGoldenCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
