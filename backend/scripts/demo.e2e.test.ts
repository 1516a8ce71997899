import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './testing/run-script.js';

describe('npm run demo', () => {
  it('answers --help and refuses bad flags with one line and exit 2', async () => {
    const help = await runScript('demo', ['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--bake/);
    for (const args of [
      ['--bake', '0'],
      ['--interval', '61'],
      ['--minutes', '5'],
      ['--port', 'x'],
      ['--bogus'],
      ['--seed', '-1'],
    ]) {
      const run = await runScript('demo', args, {});
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^error: /);
    }
  });
  // The story itself (a real plan advancing, then rolling back) is backend/src/demo/demo-plan.e2e.test.ts.
});
