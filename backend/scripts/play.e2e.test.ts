import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'awf-play-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const play = (args: string[], input: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'backend/scripts/play.ts'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWF_DB_PATH: path.join(dir, 'play.db') },
  });

describe('npm run play', () => {
  it('plays turn by turn: numbered choices, a number picks one, /quit saves', () => {
    const run = play(['--seed', '424242'], '2\ntalk to kiera\n/quit\n');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, / {2}1\. Take the storm lantern from the waymarker/);
    assert.match(run.stdout, /step into the glade/);
    assert.match(run.stdout, /You walk loud for someone who wants to be welcome/);
    assert.match(run.stdout, /Resume with: npm run play -- --session \S+/);
  });

  it('resumes a saved session where it left off', () => {
    assert.equal(play(['--session', 'resume-me', '--seed', '7'], 'take the lantern\n/quit\n').status, 0);
    const resumed = play(['--session', 'resume-me'], '/state\n/quit\n');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /You unhook the storm lantern/);
    assert.match(resumed.stdout, /"lantern"/);
  });

  it('/good and /bad [reason] [comment] rate the last turn; a second rating replaces the first', () => {
    const run = play(
      ['--session', 'rate-me', '--seed', '5'],
      '/good\ntake the lantern\n/bad wrong_state forgot the lantern\n/good\n/bad\n/quit\n',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Nothing to rate yet: play a turn first\./);
    assert.match(run.stdout, /Thanks: turn 1 rated down \(wrong_state\)\./);
    assert.match(run.stdout, /Rating changed: turn 1 rated up\./);
    assert.match(run.stdout, /Rating changed: turn 1 rated down\./);
  });

  it('rejects a bad flag with one line and exit 2', () => {
    const run = play(['--sed', '1'], '');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^error: --sed: unknown flag; see --help\n$/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
