import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../store/database.js';
import { type CliIo, isCi, runGoldenCli } from './golden-cli.js';
import { readGoldenStatus } from './golden-status.js';
import { createKyselyGoldenRunStore } from './kysely-golden-run-store.js';
import {
  captureStream,
  gladeScenario,
  rewordingProvider,
  SEED_FIRST_MEET_KIERA,
  tempScenarioDir,
  writeScenario,
} from './testing/golden-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const THORNS = 'the thorns let you pass as if they had been told to';

/** Run the CLI in this process, from `cwd`, with a fresh environment (no CI, no store unless given). */
async function cli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string>; tty?: boolean; reword?: boolean },
) {
  const stdout = captureStream(options.tty);
  const stderr = captureStream(options.tty);
  const io: CliIo = { stdout, stderr, env: options.env ?? {}, cwd: options.cwd };
  const code = await runGoldenCli(
    argv,
    io,
    options.reword ? { wrapProvider: rewordingProvider(THORNS, 'the thorns part') } : {},
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('golden runner CLI', () => {
  const temp = tempScenarioDir();
  const cwd = temp.dir;
  const scenarios = path.join(temp.dir, 'goldens');
  const dbPath = path.join(temp.dir, 'awf.db');
  before(() => {
    writeScenario(temp.dir, 'placeholder', gladeScenario('placeholder'));
  });
  after(() => temp.remove());

  describe('--help', () => {
    it('prints usage, modes, flags and exit codes, and exits 0', async () => {
      const run = await cli(['--help'], { cwd });
      assert.equal(run.code, 0);
      for (const text of [
        'Usage: tsx backend/src/goldens/runner.ts',
        '--mode',
        '--scenario',
        '--pipeline',
        '--update',
        '--json',
        '--junit',
        '--expand',
        '--prune',
        'Exit codes: 0',
      ]) {
        assert.ok(run.stdout.includes(text), text);
      }
    });
  });

  describe('usage errors', () => {
    for (const argv of [
      ['--bogus'],
      ['--mode', 'replay'],
      ['--pipeline', 'awf2'],
      ['--update'],
      ['--update', '--scenario', 'x', '--mode', 'verify'],
      ['--prune', '--scenario', 'x'],
      ['--jobs', '0'],
      ['first-meet-kiera'],
    ]) {
      it(`${argv.join(' ')}: one line on stderr, exit 2`, async () => {
        const run = await cli(argv, { cwd });
        assert.equal(run.code, 2);
        assert.match(run.stderr, /^error: (--[a-z-]+: |unexpected argument).+; see --help\n$/);
        assert.equal(run.stdout, '');
      });
    }

    it('an unknown scenario name exits 2 listing the known ones', async () => {
      const run = await cli(['--dir', '.', '--scenario', 'nope'], { cwd });
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'error: no scenario "nope" in .; known: placeholder\n');
    });
  });

  describe('malformed scenario files: one line with file path and JSON path, exit 2', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'bad JSON',
        '{ "name": "broken", ',
        /^error: goldens\/broken\.json: \$: not valid JSON at line 1 column \d+: .+\n$/,
      ],
      [
        'missing field',
        JSON.stringify({ name: 'broken', description: 'x', turns: [{ input: 'look' }] }),
        /^error: goldens\/broken\.json: \$\.sessionSeed: missing required field \(expected number\)\n$/,
      ],
      [
        'wrong type',
        JSON.stringify({
          name: 'broken',
          description: 'x',
          sessionSeed: 1,
          turns: [{ input: 'look', expect: { choicesAtMost: 'five' } }],
        }),
        /^error: goldens\/broken\.json: \$\.turns\[0\]\.expect\.choicesAtMost: wrong type: expected number, received string\n$/,
      ],
      [
        'unknown expectation',
        JSON.stringify({
          name: 'broken',
          description: 'x',
          sessionSeed: 1,
          turns: [{ input: 'look', expect: { mustSay: ['hi'] } }],
        }),
        /^error: goldens\/broken\.json: \$\.turns\[0\]\.expect\.mustSay: unknown expectation "mustSay" \(known: mustInclude, /,
      ],
    ];
    for (const [what, text, expected] of cases) {
      it(what, async () => {
        writeScenario(scenarios, 'ok-walk', gladeScenario('ok-walk'));
        writeScenario(scenarios, 'broken', text);
        for (const mode of ['verify', 'test']) {
          const run = await cli(['--dir', 'goldens', '--mode', mode, '--no-store'], { cwd });
          assert.equal(run.code, 2, run.stderr);
          assert.match(run.stderr, expected);
          assert.equal(run.stderr.split('\n').length, 2, 'one line');
        }
        const json = await cli(['--dir', 'goldens', '--json', '--no-store'], { cwd });
        assert.equal(JSON.parse(json.stdout).error.code, 'GOLDEN_SCENARIO_INVALID');
      });
    }
    after(() => rmSync(path.join(scenarios, 'broken.json'), { force: true }));
  });

  describe('a whole cycle from the command line', () => {
    const dir = path.join(temp.dir, 'cycle');
    before(() => {
      writeScenario(dir, 'first-meet-kiera', SEED_FIRST_MEET_KIERA);
      writeScenario(dir, 'glade-walk', gladeScenario('glade-walk'));
    });

    it('record: "written" in the summary table, exit 0, never "passed"', async () => {
      const run = await cli(['--dir', 'cycle', '--mode', 'record', '--no-store'], { cwd });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^scenario\s+pipeline\s+turns\s+result\s+time$/m);
      assert.match(run.stdout, /^first-meet-kiera\s+awf\s+1\s+written\s+\d+(?:\.\d+)? m?s$/m);
      assert.match(run.stdout, /^glade-walk\s+awf\s+2\s+written\s+\d+(?:\.\d+)? m?s$/m);
      assert.doesNotMatch(run.stdout, /passed/);
    });

    it('verify: passes, exit 0', async () => {
      const run = await cli(['--dir', 'cycle', '--no-store'], { cwd });
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /2 scenario run\(s\), mode verify \(full run\): 2 passed/);
    });

    it('verify after a narrator change: diffs, exit 1, and the last line is the command that accepts', async () => {
      const run = await cli(['--dir', 'cycle', '--no-store', '--scenario', 'first-meet-kiera'], {
        cwd,
        reword: true,
      });
      assert.equal(run.code, 1);
      const header = 'first-meet-kiera turn 1 "I step into the glade and look toward the eyes."';
      assert.ok(run.stdout.includes(`--- golden ${header}\n+++ actual ${header}\n@@ -`), run.stdout);
      assert.match(run.stdout, /^first-meet-kiera\s+awf\s+1\s+failed/m);
      assert.match(run.stdout, /actual output left in cycle\/first-meet-kiera\.received\.json/);
      const lines = run.stdout.trimEnd().split('\n');
      const accept = `npx tsx ${path.relative(cwd, path.join(ROOT, 'backend/src/goldens/runner.ts'))} --update --scenario first-meet-kiera --dir cycle`;
      assert.equal(lines.at(-1), `  ${accept}`);
      assert.equal(lines.at(-2), 'to accept the new output as golden, run:');

      const accepted = await cli(accept.split(' ').slice(3).concat('--no-store'), { cwd, reword: true });
      assert.equal(accepted.code, 0);
      assert.match(accepted.stdout, /^first-meet-kiera\s+awf\s+1\s+written/m);
      const again = await cli(['--dir', 'cycle', '--no-store', '--scenario', 'first-meet-kiera'], {
        cwd,
        reword: true,
      });
      assert.equal(again.code, 0, again.stdout);
    });

    it('CI=true: record, --update and --prune exit 2 and write nothing', async () => {
      const before = readdirSync(dir).sort();
      for (const argv of [['--mode', 'record'], ['--update', '--scenario', 'glade-walk'], ['--prune']]) {
        const run = await cli(['--dir', 'cycle', '--no-store', ...argv], {
          cwd,
          env: { CI: 'true' },
          reword: true,
        });
        assert.equal(run.code, 2, argv.join(' '));
        assert.match(run.stderr, /^error: refusing to .* while CI=true/);
      }
      assert.deepEqual(readdirSync(dir).sort(), before);
    });

    it('--json prints the report as JSON', async () => {
      const run = await cli(['--dir', 'cycle', '--no-store', '--json', '--mode', 'test'], { cwd });
      const report = JSON.parse(run.stdout);
      assert.equal(run.code, 0);
      assert.equal(report.mode, 'test');
      assert.equal(report.exitCode, 0);
      assert.deepEqual(
        report.scenarios.map((unit: { scenario: string; status: string }) => [unit.scenario, unit.status]),
        [
          ['first-meet-kiera', 'passed'],
          ['glade-walk', 'passed'],
        ],
      );
    });

    it('--junit FILE writes a JUnit report with a testcase per scenario and the failure', async () => {
      const junit = path.join(temp.dir, 'reports', 'goldens.xml');
      const run = await cli(['--dir', 'cycle', '--no-store', '--junit', 'reports/goldens.xml'], {
        cwd,
        reword: false,
      });
      assert.equal(run.code, 1, 'the golden was accepted with the reworded narrator');
      const xml = readFileSync(junit, 'utf8');
      assert.match(
        xml,
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="awf-goldens" tests="2" failures="1"/,
      );
      assert.match(xml, /<testcase classname="goldens.awf" name="glade-walk" time="[\d.]+"\/>/);
      assert.match(
        xml,
        /<testcase classname="goldens.awf" name="first-meet-kiera" time="[\d.]+">\n\s+<failure message="first-meet-kiera: output differs/,
      );
      assert.match(xml, /--- golden first-meet-kiera turn 1 &quot;I step/);
    });

    it('on a terminal, draws a progress bar on stderr and clears it', async () => {
      const run = await cli(['--dir', 'cycle', '--no-store', '--mode', 'test'], { cwd, tty: true });
      assert.match(run.stderr, /goldens \[#{24}\] 2\/2 /);
      assert.ok(run.stderr.endsWith('\r\x1b[2K'));
      assert.ok(run.stdout.includes('\x1b['), 'the table is coloured on a terminal');
    });
  });

  describe('stored results', () => {
    const dir = path.join(temp.dir, 'stored');
    before(() => writeScenario(dir, 'glade-walk', gladeScenario('glade-walk')));

    it('a full verify run is stored in the configured store, and reads as "golden tests passing"', async () => {
      assert.equal(
        (await cli(['--dir', 'stored', '--mode', 'record'], { cwd, env: { AWF_DB_PATH: dbPath } })).code,
        0,
      );
      const run = await cli(['--dir', 'stored'], { cwd, env: { AWF_DB_PATH: dbPath } });
      assert.equal(run.code, 0);
      assert.match(run.stdout, /results stored as run [0-9a-f-]{36}/);
      const database = await openDatabase({ sqlitePath: dbPath });
      try {
        const store = createKyselyGoldenRunStore(database.db);
        const runs = await store.listRuns();
        assert.deepEqual(
          runs.map((stored) => [stored.mode, stored.fullRun, stored.results.map((result) => result.status)]),
          [
            ['verify', true, ['passed']],
            ['record', true, ['written']],
          ],
        );
        const status = await readGoldenStatus(store);
        assert.equal(status.passing, true, status.reason);
      } finally {
        await database.close();
      }
    });

    it('--no-store stores nothing', async () => {
      const database = await openDatabase({ sqlitePath: dbPath });
      try {
        const store = createKyselyGoldenRunStore(database.db);
        const before = (await store.listRuns()).length;
        await cli(['--dir', 'stored', '--no-store'], { cwd, env: { AWF_DB_PATH: dbPath } });
        assert.equal((await store.listRuns()).length, before);
      } finally {
        await database.close();
      }
    });

    it('a store that cannot be opened is a warning; the exit code still says how the goldens did', async () => {
      const blocker = path.join(temp.dir, 'not-a-dir');
      writeFileSync(blocker, '');
      const run = await cli(['--dir', 'stored'], { cwd, env: { AWF_DB_PATH: path.join(blocker, 'awf.db') } });
      assert.equal(run.code, 0);
      assert.match(run.stderr, /^warning: golden results not stored: /);
      assert.equal(existsSync(path.join(dir, 'glade-walk.received.json')), false);
    });
  });
});

describe('isCi()', () => {
  it('is true for CI=true or 1, false when unset, empty, false or 0', () => {
    assert.deepEqual(
      [{ CI: 'true' }, { CI: '1' }, { CI: 'TRUE' }, {}, { CI: '' }, { CI: 'false' }, { CI: '0' }].map(isCi),
      [true, true, true, false, false, false, false],
    );
  });
});

describe('package.json scripts', () => {
  it('awf:golden:record records and awf:golden:test verifies (golden files and expectations)', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(scripts['awf:golden:record'], 'tsx backend/src/goldens/runner.ts --mode record');
    assert.equal(scripts['awf:golden:test'], 'tsx backend/src/goldens/runner.ts --mode verify');
  });
});
