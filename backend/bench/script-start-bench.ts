import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BenchResult, interleave, ratioResult } from './harness.js';
import { bootstrapAdmin, ROOT, run } from './processes.js';

/**
 * An admin script's start through the seed's own line (`npx tsx backend/scripts/awf-override.ts
 * --list`) against `node -e 0`, interleaved, on a fresh SQLite store with an admin token.
 */
export async function scriptStartBench(options: { rounds: number }): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-bench-start-'));
  try {
    const storeEnv = { AWF_DB_PATH: path.join(dir, 'awf.db') };
    const token = await bootstrapAdmin(storeEnv);
    const npx = path.join(path.dirname(process.execPath), 'npx');
    const env = { ...storeEnv, AWF_ADMIN_TOKEN: token, npm_config_update_notifier: 'false' };
    const timed = (argv: string[]) => async () => {
      const result = await run(argv, env);
      if (result.code !== 0) throw new Error(`${argv.join(' ')}: exit ${result.code} ${result.stderr}`);
      return result.ms;
    };
    const cases = {
      node: timed([process.execPath, '-e', '0']),
      list: timed([npx, 'tsx', path.join('backend', 'scripts', 'awf-override.ts'), '--list']),
      // The seed's launcher alone: npx resolving tsx, then tsx starting node with its hooks.
      launcher: timed([npx, 'tsx', '-e', '0']),
    };
    await cases.node();
    await cases.list(); // tsx's compile cache, as an operator's second run has it
    await cases.launcher();
    const figures = await interleave(options.rounds, cases);
    return [
      ratioResult(
        'admin script start (npx tsx awf-override.ts --list) vs node -e 0',
        figures.list as number[],
        figures.node as number[],
        {
          unit: 'ms',
          better: 'higher',
          goal: 10,
          goalIsMax: true,
          note: `cwd ${path.relative(process.cwd(), ROOT) || '.'}; below 1 impossible: ratio = script / node`,
        },
      ),
      // Why the goal above is out of reach through `npx tsx`: the launcher alone is over 10x node.
      ratioResult(
        'launcher (npx tsx -e 0) vs node -e 0',
        figures.launcher as number[],
        figures.node as number[],
        {
          unit: 'ms',
          better: 'higher',
          note: "the floor of any script started through the seed's npx tsx line",
        },
      ),
      ratioResult(
        'admin script start (npx tsx awf-override.ts --list) vs its launcher (npx tsx -e 0)',
        figures.list as number[],
        figures.launcher as number[],
        {
          unit: 'ms',
          better: 'higher',
          goalIsMax: true, // no goal: the worst round is the largest ratio
          note: 'what loading the script and opening the store add to the launcher',
        },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
