import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONTENT_DIR, DEFAULT_SCENARIO_DIR } from './cli-options.js';
import { GoldenWriteRefusedError } from './golden-errors.js';
import { runGoldenSuite, type SuiteOptions } from './golden-suite.js';
import {
  gladeScenario,
  rewordingProvider,
  tempScenarioDir,
  writeScenario,
} from './testing/golden-fixtures.js';

function suite(dir: string, overrides: Partial<SuiteOptions> = {}) {
  return runGoldenSuite({
    mode: 'verify',
    dir,
    contentDir: DEFAULT_CONTENT_DIR,
    scenarios: [],
    jobs: 4,
    prune: false,
    ci: false,
    expand: false,
    displayPath: (file) => path.relative(dir, file),
    ...overrides,
  });
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const THORNS = 'the thorns let you pass as if they had been told to';

describe('runGoldenSuite()', () => {
  describe('record → verify round trip', () => {
    const temp = tempScenarioDir();
    after(() => temp.remove());

    it('record writes one golden per scenario, named after it, and reports "written"', async () => {
      writeScenario(temp.dir, 'glade-walk', gladeScenario('glade-walk'));
      writeScenario(temp.dir, 'another-walk', gladeScenario('another-walk', { sessionSeed: 7 }));
      const report = await suite(temp.dir, { mode: 'record' });
      assert.equal(report.exitCode, 0);
      assert.deepEqual(
        report.units.map((unit) => [unit.scenario, unit.status, unit.goldenFile]),
        [
          ['another-walk', 'written', 'another-walk.golden.json'],
          ['glade-walk', 'written', 'glade-walk.golden.json'],
        ],
      );
      assert.ok(
        report.units.every((unit) => unit.status !== 'passed'),
        'a writing run never says passed',
      );
    });

    it('writes normalized output: sorted keys, LF, a trailing newline, placeholders, metadata', () => {
      const text = read(temp.dir, 'glade-walk.golden.json');
      assert.ok(text.endsWith('}\n') && !text.includes('\r'));
      const golden = JSON.parse(text);
      assert.deepEqual(Object.keys(golden), ['meta', 'opening', 'turns']);
      assert.equal(golden.meta.scenario, 'glade-walk');
      assert.equal(golden.meta.sessionSeed, 424242);
      assert.equal(golden.meta.harnessVersion, '1');
      assert.equal(golden.meta.model.provider, 'local');
      assert.match(golden.meta.contentHash, /^[0-9a-f]{64}$/);
      assert.equal(golden.opening.sessionId, '<sessionId-1>');
      assert.deepEqual(
        golden.turns.map((turn: { result: { turnId: string; latencyMs: string }; recordedAt: string }) => [
          turn.result.turnId,
          turn.result.latencyMs,
          turn.recordedAt,
        ]),
        [
          ['<turnId-1>', '<latencyMs-1>', '<timestamp-1>'],
          ['<turnId-2>', '<latencyMs-2>', '<timestamp-2>'],
        ],
      );
      assert.equal(golden.turns[1].state.flags['met-kiera'], true, 'the state after each turn is kept');
    });

    it('verify right after passes every scenario and leaves no received file', async () => {
      const report = await suite(temp.dir);
      assert.equal(report.exitCode, 0);
      assert.deepEqual(
        report.units.map((unit) => unit.status),
        ['passed', 'passed'],
      );
      assert.equal(
        readdirSync(temp.dir).some((file) => file.endsWith('.received.json')),
        false,
      );
    });

    it('recording again with nothing changed keeps the files byte for byte ("unchanged")', async () => {
      const before = read(temp.dir, 'glade-walk.golden.json');
      const mtime = statSync(path.join(temp.dir, 'glade-walk.golden.json')).mtimeMs;
      const report = await suite(temp.dir, { mode: 'record' });
      assert.deepEqual(
        report.units.map((unit) => unit.status),
        ['unchanged', 'unchanged'],
      );
      assert.equal(read(temp.dir, 'glade-walk.golden.json'), before);
      assert.equal(statSync(path.join(temp.dir, 'glade-walk.golden.json')).mtimeMs, mtime);
    });

    it("record with one scenario touches only that scenario's file", async () => {
      const other = read(temp.dir, 'another-walk.golden.json');
      writeFileSync(path.join(temp.dir, 'glade-walk.golden.json'), '{}\n');
      const report = await suite(temp.dir, { mode: 'record', scenarios: ['glade-walk'] });
      assert.deepEqual(
        report.units.map((unit) => [unit.scenario, unit.status]),
        [['glade-walk', 'written']],
      );
      assert.equal(read(temp.dir, 'another-walk.golden.json'), other);
      assert.equal(report.fullRun, false);
    });
  });

  describe('when the narrator says something else', () => {
    const temp = tempScenarioDir();
    before(async () => {
      writeScenario(temp.dir, 'glade-walk', gladeScenario('glade-walk'));
      await suite(temp.dir, { mode: 'record' });
    });
    after(() => temp.remove());

    it('verify fails with a unified diff of the changed turn, naming turn and input', async () => {
      const report = await suite(temp.dir, {
        wrapProvider: rewordingProvider(THORNS, 'the thorns part for you'),
      });
      const [unit] = report.units;
      assert.equal(report.exitCode, 1);
      assert.equal(unit?.status, 'failed');
      assert.equal(unit?.acceptable, true);
      assert.deepEqual(unit?.failures, ['glade-walk: output differs from glade-walk.golden.json']);
      const diff = unit?.diff ?? '';
      const header = '"I step into the glade and look toward the eyes."';
      assert.ok(
        diff.includes(`--- golden glade-walk turn 1 ${header}\n+++ actual glade-walk turn 1 ${header}\n@@ `),
        diff,
      );
      assert.match(diff, new RegExp(`^-\\s+"txt": ".*${THORNS}.*",?$`, 'm'));
      assert.match(diff, /^\+\s+"txt": ".*the thorns part for you.*",?$/m);
      const [turn1 = '', turn2 = ''] = diff.split('--- golden ').filter((part) => part.includes(' turn '));
      // Turn 2's bundle carries turn 1's text as recent history, so its size shows; its narration does not.
      assert.match(turn2, /^glade-walk turn 2 "Greet Kiera\."/);
      assert.doesNotMatch(turn2, /^[+-]\s+"txt"/m);
      const shown = turn1.split('\n').filter((line) => /^[ +-]/.test(line) && !/^(---|\+\+\+)/.test(line));
      assert.ok(shown.length < 20, 'three lines of context, not the whole turn');
    });

    it('leaves the actual output beside the golden as <name>.received.json', async () => {
      const received = read(temp.dir, 'glade-walk.received.json');
      assert.ok(received.includes('the thorns part for you'));
      assert.ok(read(temp.dir, 'glade-walk.golden.json').includes(THORNS), 'the golden is not touched');
    });

    it('with expand shows the whole turn', async () => {
      const report = await suite(temp.dir, {
        expand: true,
        wrapProvider: rewordingProvider(THORNS, 'the thorns part for you'),
      });
      const diff = report.units[0]?.diff ?? '';
      assert.ok(diff.includes(' {\n') && diff.includes('   "turn": 1\n'), diff);
    });

    it('recording the change accepts it: verify passes again and the received file is gone', async () => {
      const reworded = rewordingProvider(THORNS, 'the thorns part for you');
      const recorded = await suite(temp.dir, {
        mode: 'record',
        scenarios: ['glade-walk'],
        wrapProvider: reworded,
      });
      assert.equal(recorded.units[0]?.status, 'written');
      const verified = await suite(temp.dir, { wrapProvider: reworded });
      assert.equal(verified.units[0]?.status, 'passed');
      assert.equal(existsSync(path.join(temp.dir, 'glade-walk.received.json')), false);
    });
  });

  describe('expectations', () => {
    const temp = tempScenarioDir();
    after(() => temp.remove());

    it('test mode checks them without any golden file', async () => {
      writeScenario(temp.dir, 'glade-walk', gladeScenario('glade-walk'));
      const report = await suite(temp.dir, { mode: 'test' });
      assert.deepEqual(
        report.units.map((unit) => unit.status),
        ['passed'],
      );
      assert.deepEqual(readdirSync(temp.dir), ['glade-walk.json']);
    });

    it('a failing expectation fails the scenario with its message', async () => {
      writeScenario(
        temp.dir,
        'wrong-hope',
        gladeScenario('wrong-hope', { turns: [{ input: 'Greet Kiera.', expect: { sceneChange: true } }] }),
      );
      const report = await suite(temp.dir, { mode: 'test', scenarios: ['wrong-hope'] });
      assert.equal(report.exitCode, 1);
      assert.deepEqual(report.units[0]?.failures, [
        'wrong-hope turn 1: expect.sceneChange: expected sceneChange true, actual false (scene "forest-edge")',
      ]);
    });

    it('record does not write a golden whose expectations fail', async () => {
      const report = await suite(temp.dir, { mode: 'record', scenarios: ['wrong-hope'] });
      assert.equal(report.units[0]?.status, 'failed');
      assert.match(report.units[0]?.failures.at(-1) ?? '', /not written: its expectations do not hold/);
      assert.equal(existsSync(path.join(temp.dir, 'wrong-hope.golden.json')), false);
    });

    it('verify checks expectations too, even when the golden matches', async () => {
      writeScenario(
        temp.dir,
        'wrong-hope',
        gladeScenario('wrong-hope', { turns: [{ input: 'Greet Kiera.' }] }),
      );
      await suite(temp.dir, { mode: 'record', scenarios: ['wrong-hope'] });
      writeScenario(
        temp.dir,
        'wrong-hope',
        gladeScenario('wrong-hope', { turns: [{ input: 'Greet Kiera.', expect: { scene: 'hollow-oak' } }] }),
      );
      const report = await suite(temp.dir, { scenarios: ['wrong-hope'] });
      assert.equal(report.units[0]?.status, 'failed');
      assert.equal(report.units[0]?.acceptable, false, 're-recording would not help');
      assert.match(report.units[0]?.failures[0] ?? '', /expect\.scene: expected scene "hollow-oak"/);
    });
  });

  describe('golden files that are missing or obsolete', () => {
    const temp = tempScenarioDir();
    after(() => temp.remove());

    it('a missing golden is a failure that recording fixes', async () => {
      writeScenario(temp.dir, 'glade-walk', gladeScenario('glade-walk'));
      const report = await suite(temp.dir);
      assert.equal(report.exitCode, 1);
      assert.deepEqual(report.units[0]?.failures, ['glade-walk: no golden file glade-walk.golden.json']);
      assert.equal(report.units[0]?.acceptable, true);
      assert.ok(existsSync(path.join(temp.dir, 'glade-walk.received.json')));
    });

    it('a full run reports goldens without a scenario as obsolete; --prune removes them', async () => {
      await suite(temp.dir, { mode: 'record' });
      writeFileSync(path.join(temp.dir, 'retired-walk.golden.json'), '{}\n');
      const partial = await suite(temp.dir, { scenarios: ['glade-walk'] });
      assert.deepEqual(partial.obsolete, [], 'only a full run can tell');
      const full = await suite(temp.dir);
      assert.equal(full.exitCode, 0, 'obsolete files are reported, not failed');
      assert.deepEqual(full.obsolete, ['retired-walk.golden.json']);
      assert.ok(existsSync(path.join(temp.dir, 'retired-walk.golden.json')));
      const pruned = await suite(temp.dir, { prune: true });
      assert.deepEqual(pruned.pruned, ['retired-walk.golden.json']);
      assert.equal(existsSync(path.join(temp.dir, 'retired-walk.golden.json')), false);
      assert.ok(existsSync(path.join(temp.dir, 'glade-walk.golden.json')));
    });
  });

  describe('with CI=true', () => {
    const temp = tempScenarioDir();
    after(() => temp.remove());

    it('refuses to record, before playing or writing anything', async () => {
      writeScenario(temp.dir, 'glade-walk', gladeScenario('glade-walk'));
      await assert.rejects(suite(temp.dir, { mode: 'record', ci: true }), GoldenWriteRefusedError);
      assert.deepEqual(readdirSync(temp.dir), ['glade-walk.json']);
    });

    it('refuses to prune', async () => {
      writeFileSync(path.join(temp.dir, 'retired-walk.golden.json'), '{}\n');
      await assert.rejects(suite(temp.dir, { prune: true, ci: true }), GoldenWriteRefusedError);
      assert.ok(existsSync(path.join(temp.dir, 'retired-walk.golden.json')));
    });

    it('verify never writes a golden file (a missing one stays missing)', async () => {
      const report = await suite(temp.dir, { ci: true });
      assert.equal(report.exitCode, 1);
      assert.equal(existsSync(path.join(temp.dir, 'glade-walk.golden.json')), false);
    });
  });

  describe('pipelines', () => {
    const temp = tempScenarioDir();
    after(() => temp.remove());

    it("a scenario's pipeline: legacy plays every turn on the legacy pipeline", async () => {
      writeScenario(temp.dir, 'legacy-walk', gladeScenario('legacy-walk', { pipeline: 'legacy' }));
      await suite(temp.dir, { mode: 'record' });
      const golden = JSON.parse(read(temp.dir, 'legacy-walk.golden.json'));
      assert.equal(golden.meta.pipeline, 'legacy');
      assert.deepEqual(
        golden.turns.map((turn: { result: { pipeline: string }; routeReason: string }) => [
          turn.result.pipeline,
          turn.routeReason,
        ]),
        [
          ['legacy', 'legacy_forced'],
          ['legacy', 'legacy_forced'],
        ],
      );
    });

    it('--pipeline plays on the other pipeline into <name>.<pipeline>.golden.json, which full runs then verify', async () => {
      const recorded = await suite(temp.dir, { mode: 'record', pipeline: 'awf' });
      assert.deepEqual(
        recorded.units.map((unit) => [unit.goldenFile, unit.variant]),
        [['legacy-walk.awf.golden.json', true]],
      );
      assert.equal(recorded.fullRun, false);
      const full = await suite(temp.dir);
      assert.deepEqual(
        full.units.map((unit) => [unit.goldenFile, unit.status]),
        [
          ['legacy-walk.golden.json', 'passed'],
          ['legacy-walk.awf.golden.json', 'passed'],
        ],
      );
      assert.deepEqual(full.obsolete, []);
      const golden = JSON.parse(read(temp.dir, 'legacy-walk.awf.golden.json'));
      assert.equal(golden.turns[0].result.pipeline, 'awf');
    });
  });

  it('a turn that throws fails its scenario with the turn, input and error code', async () => {
    const temp = tempScenarioDir();
    try {
      writeScenario(temp.dir, 'broken-model', gladeScenario('broken-model', { pipeline: 'legacy' }));
      const report = await suite(temp.dir, {
        mode: 'test',
        wrapProvider: () => ({
          name: 'local',
          complete: async () => {
            throw new Error('model unplugged');
          },
        }),
      });
      assert.equal(report.units[0]?.status, 'failed');
      assert.equal(
        report.units[0]?.failures[0],
        'broken-model: turn 1 ("I step into the glade and look toward the eyes.") threw LEGACY_UNAVAILABLE: the story cannot continue right now; try again (model unplugged)',
      );
    } finally {
      temp.remove();
    }
  });

  it('parallel runs give byte-identical goldens to a serial run (every committed scenario)', async () => {
    const serial = tempScenarioDir();
    const parallel = tempScenarioDir();
    try {
      for (const target of [serial.dir, parallel.dir]) {
        for (const file of readdirSync(DEFAULT_SCENARIO_DIR).filter((name) => !name.includes('.golden.'))) {
          if (file.endsWith('.json') && !file.endsWith('.received.json')) {
            cpSync(path.join(DEFAULT_SCENARIO_DIR, file), path.join(target, file));
          }
        }
      }
      const one = await suite(serial.dir, { mode: 'record', jobs: 1 });
      const many = await suite(parallel.dir, { mode: 'record', jobs: 8 });
      assert.equal(one.exitCode, 0);
      assert.equal(many.exitCode, 0);
      const goldens = readdirSync(serial.dir).filter((file) => file.endsWith('.golden.json'));
      assert.ok(goldens.length >= 16);
      for (const file of goldens) assert.equal(read(parallel.dir, file), read(serial.dir, file), file);
      assert.deepEqual(
        many.units.map((unit) => unit.scenario),
        one.units.map((unit) => unit.scenario),
        'reported in scenario order, not finishing order',
      );
    } finally {
      serial.remove();
      parallel.remove();
    }
  });
});
