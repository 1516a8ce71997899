/** npm run slo:rules [-- --out <dir>] [--check] [--stdout]: the Prometheus rules for the AWF SLOs. */
import { runCommand } from '../src/cli/cli-runner.js';
import { parseConfig } from '../src/config/config.js';
import { sloRulesCommand } from '../src/slos/slo-rules-command.js';

await runCommand(sloRulesCommand, (env) => ({ deps: { slo: parseConfig(env).slo } }));
