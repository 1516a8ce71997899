import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `npm run bench -- …args` as package.json runs it. */
function bench(args: string[]) {
  return spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-semi-space-size=64',
      '--import',
      'tsx',
      path.join(ROOT, 'backend/bench/run.ts'),
      ...args,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 },
  );
}

describe('npm run bench --json (a smoke run: shape only, no speed asserted here)', () => {
  it('prints {"results": [{name, project, baseline, ratio, unit, goal?, met?}]} for the decision part', () => {
    const run = bench(['--json', '--quick', '--only', 'decision']);
    // 0 all goals met, 1 one missed (a loaded machine may miss one): both are answers, 2/3 are not.
    assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr}`);
    const { results } = JSON.parse(run.stdout) as { results: Array<Record<string, unknown>> };
    assert.deepEqual(
      results.map((result) => result.name),
      [
        'decision vs unleash-client 6 isEnabled',
        'decision vs bare murmur3 of the key',
        'allocation per decision vs unleash-client 6',
        'allocation per decision beyond its result',
      ],
    );
    for (const result of results) {
      for (const field of ['project', 'baseline', 'ratio']) {
        assert.ok(
          typeof result[field] === 'number' && Number.isFinite(result[field]),
          `${result.name}.${field}`,
        );
      }
      assert.equal(typeof result.unit, 'string');
    }
    const unleash = results[0] as { goal: number; met: boolean; ratio: number };
    assert.equal(unleash.goal, 8);
    assert.equal(unleash.met, unleash.ratio >= 8);
  });

  it('exits 2 with one line on an unknown flag or part', () => {
    for (const args of [['--bogus'], ['--only', 'everything']]) {
      const run = bench(args);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, /^error: .+\n$/);
      assert.equal(run.stdout, '');
    }
  });
});
