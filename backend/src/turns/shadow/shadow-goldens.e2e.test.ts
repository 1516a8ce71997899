import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Session, TurnRecord } from '../../game/game-types.js';
import { goldenDocumentOf, serializeGolden } from '../../goldens/golden-document.js';
import { goldenFileName, listGoldenFiles } from '../../goldens/golden-files.js';
import { loadScenarios } from '../../goldens/scenario.js';
import { type PlayedScenario, playScenario } from '../../goldens/scenario-player.js';
import type { ShadowDropReason, ShadowObserver, ShadowRun } from './shadow-runner.js';

const GOLDENS_DIR = path.resolve(import.meta.dirname, '../../../goldens');
const CONTENT_DIR = path.resolve(import.meta.dirname, '../../../content');

/** Every legacy golden: the scenarios played on legacy, and the legacy variants of AWF scenarios. */
function legacyGoldens() {
  const onDisk = listGoldenFiles(GOLDENS_DIR);
  return loadScenarios(GOLDENS_DIR, []).flatMap(({ scenario }) => {
    const hasLegacyVariant = onDisk.some(
      (golden) => golden.scenario === scenario.name && golden.variant === 'legacy',
    );
    if (scenario.pipeline !== 'legacy' && !hasLegacyVariant) return [];
    return [
      { scenario, file: path.join(GOLDENS_DIR, goldenFileName(scenario.name, 'legacy', scenario.pipeline)) },
    ];
  });
}

/** What the store kept, without what differs between any two runs (ids, times, latency). */
function kept(played: PlayedScenario): { session: Session; turns: TurnRecord[] } {
  const { session, turns } = played.stored;
  const id = session.sessionId;
  const text = JSON.stringify({
    session: { ...session, createdAt: '<t>', updatedAt: '<t>' },
    turns: turns.map((turn) => ({ ...turn, createdAt: '<t>', result: { ...turn.result, latencyMs: 0 } })),
  });
  return JSON.parse(text.split(id).join('<session>'));
}

function countingObserver() {
  const runs: ShadowRun[] = [];
  const drops: ShadowDropReason[] = [];
  const observer: ShadowObserver = {
    onShadowRun: (run) => runs.push(run),
    onShadowDropped: (reason) => drops.push(reason),
  };
  return { runs, drops, observer };
}

describe('shadow turns (issue 11): a player sees nothing of them', () => {
  const goldens = legacyGoldens();

  it('finds legacy goldens to replay', () => {
    assert.ok(goldens.length >= 3, `legacy goldens found: ${goldens.length}`);
  });

  for (const { scenario, file } of goldens) {
    it(`${path.basename(file)}: byte-identical with shadow at 100 %, and the same session and turn records as without`, async () => {
      const counted = countingObserver();
      const withShadow = await playScenario(scenario, 'legacy', {
        contentDir: CONTENT_DIR,
        shadow: { percent: 100, observers: [counted.observer] },
      });
      const without = await playScenario(scenario, 'legacy', { contentDir: CONTENT_DIR });

      // The shadow really ran, on every turn, after the answer.
      assert.equal(counted.runs.length, scenario.turns.length);
      assert.deepEqual(counted.drops, []);
      assert.deepEqual(
        counted.runs.map((run) => run.turnNo).sort((a, b) => a - b),
        scenario.turns.map((_, i) => i + 1),
      );

      const golden = readFileSync(file, 'utf8');
      assert.equal(serializeGolden(goldenDocumentOf(scenario, 'legacy', withShadow)), golden);
      assert.equal(serializeGolden(goldenDocumentOf(scenario, 'legacy', without)), golden);
      assert.deepEqual(kept(withShadow), kept(without));
      assert.ok(withShadow.stored.turns.every((turn) => turn.result.pipeline === 'legacy'));
      assert.equal(withShadow.stored.turns.length, scenario.turns.length);
    });
  }
});
