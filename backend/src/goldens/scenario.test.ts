import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadContent } from '../content/content-loader.js';
import { DEFAULT_CONTENT_DIR, DEFAULT_SCENARIO_DIR } from './cli-options.js';
import { ScenarioInvalidError, ScenarioNotFoundError } from './golden-errors.js';
import {
  checkScenarioAgainstContent,
  EXPECTATION_NAMES,
  listScenarioNames,
  loadScenarioFile,
  loadScenarios,
} from './scenario.js';
import {
  gladeScenario,
  SEED_FIRST_MEET_KIERA,
  tempScenarioDir,
  writeScenario,
} from './testing/golden-fixtures.js';

const temp = tempScenarioDir();
after(() => temp.remove());

/** Load a malformed file and return the one-line message it fails with. */
function problemWith(name: string, scenario: object | string): string {
  const file = writeScenario(temp.dir, name, scenario);
  try {
    loadScenarioFile(file, `goldens/${name}.json`);
  } catch (error) {
    assert.ok(error instanceof ScenarioInvalidError, `expected ScenarioInvalidError, got ${String(error)}`);
    assert.equal(error.code, 'GOLDEN_SCENARIO_INVALID');
    assert.equal(error.message.includes('\n'), false, 'one line');
    return error.message;
  }
  assert.fail(`${name} loaded without error`);
}

describe('loadScenarioFile()', () => {
  it("reads the seed's first-meet-kiera as written, defaulting pipeline awf and a fault-free model", () => {
    const file = writeScenario(temp.dir, 'first-meet-kiera', SEED_FIRST_MEET_KIERA);
    const scenario = loadScenarioFile(file);
    assert.equal(scenario.name, 'first-meet-kiera');
    assert.equal(scenario.sessionSeed, 424242);
    assert.equal(scenario.pipeline, 'awf');
    assert.deepEqual(scenario.model, { invalidRate: 0, errorRate: 0, latencyMedianMs: 0, timeoutMs: 15000 });
    assert.deepEqual(scenario.turns[0]?.expect, {
      mustInclude: ['glade', 'eyes'],
      choicesAtMost: 5,
      sceneChange: true,
    });
  });

  it('accepts every expectation the runner knows', () => {
    const expect = {
      mustInclude: ['a'],
      mustNotInclude: ['b'],
      choicesAtMost: 5,
      choicesAtLeast: 1,
      sceneChange: true,
      scene: 'moonlit-glade',
      pipeline: 'legacy',
      retried: true,
      fallback: true,
      fallbackReason: 'invalid_output',
      actsInclude: [{ type: 'SCENE_CHANGE', to: 'moonlit-glade' }, { type: 'ADD_ITEM' }],
      maxLatencyMs: 8000,
      validFirstTry: true,
    };
    assert.deepEqual(Object.keys(expect).sort(), [...EXPECTATION_NAMES].sort());
    const file = writeScenario(
      temp.dir,
      'all-expectations',
      gladeScenario('all-expectations', { turns: [{ input: 'x', expect }] }),
    );
    assert.deepEqual(loadScenarioFile(file).turns[0]?.expect, expect);
  });

  describe('when the file is malformed, it fails with one line naming the file and the JSON path', () => {
    it('bad JSON: the line and column', () => {
      const message = problemWith('bad-json', '{\n  "name": "bad-json",\n  description: "x"\n}\n');
      assert.match(message, /^goldens\/bad-json\.json: \$: not valid JSON at line 3 column 3/);
    });

    it('a missing field', () => {
      const { description: _gone, ...rest } = gladeScenario('missing-field') as Record<string, unknown>;
      assert.equal(
        problemWith('missing-field', rest),
        'goldens/missing-field.json: $.description: missing required field (expected string)',
      );
    });

    it('a missing turn input, with the turn index in the path', () => {
      const scenario = gladeScenario('missing-input', { turns: [{ input: 'look' }, { expect: {} }] });
      assert.equal(
        problemWith('missing-input', scenario),
        'goldens/missing-input.json: $.turns[1].input: missing required field (expected string)',
      );
    });

    it('a wrong type', () => {
      assert.equal(
        problemWith('wrong-type', gladeScenario('wrong-type', { sessionSeed: '424242' })),
        'goldens/wrong-type.json: $.sessionSeed: wrong type: expected number, received string',
      );
    });

    it('a wrong type inside an expectation', () => {
      const scenario = gladeScenario('wrong-expect-type', {
        turns: [{ input: 'x', expect: { sceneChange: 'yes' } }],
      });
      assert.equal(
        problemWith('wrong-expect-type', scenario),
        'goldens/wrong-expect-type.json: $.turns[0].expect.sceneChange: wrong type: expected boolean, received string',
      );
    });

    it('an unknown expectation, listing the known ones', () => {
      const scenario = gladeScenario('unknown-expectation', {
        turns: [{ input: 'x', expect: { mustIncludes: ['a'] } }],
      });
      assert.equal(
        problemWith('unknown-expectation', scenario),
        `goldens/unknown-expectation.json: $.turns[0].expect.mustIncludes: unknown expectation "mustIncludes" (known: ${EXPECTATION_NAMES.join(', ')})`,
      );
    });

    it('an unknown top-level field', () => {
      assert.match(
        problemWith('unknown-field', gladeScenario('unknown-field', { seed: 1 })),
        /^goldens\/unknown-field\.json: \$\.seed: unknown field "seed" \(known: name, description, sessionSeed/,
      );
    });

    it('a pipeline that does not exist', () => {
      assert.match(
        problemWith('bad-pipeline', gladeScenario('bad-pipeline', { pipeline: 'awf2' })),
        /^goldens\/bad-pipeline\.json: \$\.pipeline: /,
      );
    });

    it('a fault rate above 1', () => {
      assert.match(
        problemWith('bad-rate', gladeScenario('bad-rate', { model: { invalidRate: 1.5 } })),
        /^goldens\/bad-rate\.json: \$\.model\.invalidRate: /,
      );
    });

    it('a pass rate of 0 or above 1', () => {
      for (const passRate of [0, 1.2]) {
        assert.equal(
          problemWith('bad-pass-rate', gladeScenario('bad-pass-rate', { passRate })),
          'goldens/bad-pass-rate.json: $.passRate: a pass rate above 0 and at most 1',
        );
      }
    });

    it('a mustInclude group that is empty or holds a non-string', () => {
      assert.match(
        problemWith(
          'bad-group',
          gladeScenario('bad-group', { turns: [{ input: 'x', expect: { mustInclude: [['a', 1]] } }] }),
        ),
        /^goldens\/bad-group\.json: \$\.turns\[0\]\.expect\.mustInclude\[0\]: a non-empty string, or a non-empty list/,
      );
      assert.match(
        problemWith(
          'empty-group',
          gladeScenario('empty-group', { turns: [{ input: 'x', expect: { mustInclude: [[]] } }] }),
        ),
        /^goldens\/empty-group\.json: \$\.turns\[0\]\.expect\.mustInclude\[0\]: /,
      );
    });

    it('an act of an unknown type, or a field its type does not have', () => {
      assert.match(
        problemWith(
          'bad-act',
          gladeScenario('bad-act', {
            turns: [{ input: 'x', expect: { actsInclude: [{ type: 'TELEPORT' }] } }],
          }),
        ),
        /^goldens\/bad-act\.json: \$\.turns\[0\]\.expect\.actsInclude\[0\]\.type: .*SCENE_CHANGE/,
      );
      assert.equal(
        problemWith(
          'bad-act-field',
          gladeScenario('bad-act-field', {
            turns: [{ input: 'x', expect: { actsInclude: [{ type: 'ADD_ITEM', to: 'a' }] } }],
          }),
        ),
        'goldens/bad-act-field.json: $.turns[0].expect.actsInclude[0].to: unknown field "to" (known: type, item)',
      );
    });

    it('no turns', () => {
      assert.match(
        problemWith('no-turns', gladeScenario('no-turns', { turns: [] })),
        /^goldens\/no-turns\.json: \$\.turns: /,
      );
    });

    it('a blank input', () => {
      assert.equal(
        problemWith('blank-input', gladeScenario('blank-input', { turns: [{ input: '   ' }] })),
        'goldens/blank-input.json: $.turns[0].input: input must not be blank',
      );
    });

    it('a name that is not the file name', () => {
      assert.equal(
        problemWith('file-name', gladeScenario('other-name')),
        'goldens/file-name.json: $.name: "other-name" does not match the file name (expected "file-name")',
      );
    });
  });
});

describe('loadScenarios()', () => {
  it('loads every scenario in name order, ignoring golden and received files', () => {
    const { dir, remove } = tempScenarioDir();
    try {
      writeScenario(dir, 'b-walk', gladeScenario('b-walk'));
      writeScenario(dir, 'a-walk', gladeScenario('a-walk'));
      writeScenario(dir, 'a-walk.golden', '{}');
      writeScenario(dir, 'a-walk.received', '{}');
      assert.deepEqual(listScenarioNames(dir), ['a-walk', 'b-walk']);
      assert.deepEqual(
        loadScenarios(dir, []).map((loaded) => loaded.scenario.name),
        ['a-walk', 'b-walk'],
      );
      assert.deepEqual(
        loadScenarios(dir, ['b-walk']).map((loaded) => loaded.scenario.name),
        ['b-walk'],
      );
    } finally {
      remove();
    }
  });

  it('throws NoScenariosError for a directory that does not exist or holds no scenario', () => {
    const { dir, remove } = tempScenarioDir();
    try {
      assert.throws(() => loadScenarios(path.join(dir, 'typo'), []), { code: 'GOLDEN_NO_SCENARIOS' });
      assert.throws(() => loadScenarios(dir, []), /holds no|has no <name>\.json scenario files/);
    } finally {
      remove();
    }
  });

  it('throws ScenarioNotFoundError for an unknown name, listing the known ones', () => {
    const { dir, remove } = tempScenarioDir();
    try {
      writeScenario(dir, 'a-walk', gladeScenario('a-walk'));
      assert.throws(
        () => loadScenarios(dir, ['nope']),
        (error: unknown) => {
          assert.ok(error instanceof ScenarioNotFoundError);
          assert.match(error.message, /no scenario "nope" in .*; known: a-walk$/);
          return true;
        },
      );
    } finally {
      remove();
    }
  });
});

describe('checkScenarioAgainstContent()', () => {
  it('rejects an expected scene the content does not have, naming the JSON path', () => {
    const file = writeScenario(
      temp.dir,
      'ghost-scene',
      gladeScenario('ghost-scene', { turns: [{ input: 'x', expect: { scene: 'moon-base' } }] }),
    );
    const loaded = { file, scenario: loadScenarioFile(file) };
    assert.throws(
      () => checkScenarioAgainstContent(loaded, loadContent(DEFAULT_CONTENT_DIR), 'goldens/ghost-scene.json'),
      /^ScenarioInvalidError: goldens\/ghost-scene\.json: \$\.turns\[0\]\.expect\.scene: unknown scene "moon-base"/,
    );
  });

  it('rejects an expected SCENE_CHANGE act to a scene the content does not have', () => {
    const file = writeScenario(
      temp.dir,
      'ghost-act',
      gladeScenario('ghost-act', {
        turns: [{ input: 'x', expect: { actsInclude: [{ type: 'SCENE_CHANGE', to: 'moon-base' }] } }],
      }),
    );
    const loaded = { file, scenario: loadScenarioFile(file) };
    assert.throws(
      () => checkScenarioAgainstContent(loaded, loadContent(DEFAULT_CONTENT_DIR), 'goldens/ghost-act.json'),
      /^ScenarioInvalidError: goldens\/ghost-act\.json: \$\.turns\[0\]\.expect\.actsInclude\[0\]\.to: unknown scene "moon-base"/,
    );
  });
});

describe('the committed scenarios (backend/goldens)', () => {
  const loaded = loadScenarios(DEFAULT_SCENARIO_DIR, []);
  const scenarios = loaded.map((entry) => entry.scenario);

  it("keep the seed's first-meet-kiera byte for byte", () => {
    assert.equal(
      readFileSync(path.join(DEFAULT_SCENARIO_DIR, 'first-meet-kiera.json'), 'utf8'),
      SEED_FIRST_MEET_KIERA,
    );
  });

  it('are at least 16, all valid against the sample content', () => {
    assert.ok(scenarios.length >= 16, `${scenarios.length} scenarios`);
    const content = loadContent(DEFAULT_CONTENT_DIR);
    for (const entry of loaded) checkScenarioAgainstContent(entry, content, entry.file);
  });

  it('walk both pipelines, every NPC, and the retry and fallback paths', () => {
    assert.ok(scenarios.some((scenario) => scenario.pipeline === 'legacy'));
    assert.ok(scenarios.some((scenario) => scenario.pipeline === 'awf'));
    const text = JSON.stringify(scenarios).toLowerCase();
    for (const npc of ['kiera', 'mara', 'aldric', 'osk']) assert.ok(text.includes(npc), npc);
    const expectations = scenarios.flatMap((scenario) => scenario.turns.map((turn) => turn.expect ?? {}));
    assert.ok(
      expectations.some((expect) => expect.retried === true && expect.fallback === false),
      'retry then success',
    );
    for (const reason of ['invalid_output', 'provider_error', 'timeout'] as const) {
      assert.ok(
        expectations.some((expect) => expect.fallbackReason === reason),
        `a fallback for ${reason}`,
      );
    }
    assert.ok(expectations.some((expect) => expect.sceneChange === true));
    assert.ok(expectations.some((expect) => expect.sceneChange === false));
  });
});
