import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChangeState, createChangeFeed } from './change-feed.js';

/** A feed over hand-moved sources; `tick()` lets the feed's check run. */
function feedOver() {
  let auditSeq = 3;
  let nowMs = Date.UTC(2026, 0, 1, 12, 0, 10);
  let reload: (() => void) | undefined;
  let reads = 0;
  const feed = createChangeFeed({
    auditHeadSeq: async () => {
      reads += 1;
      return auditSeq;
    },
    onRolloutChange: (listener) => {
      reload = listener;
      return () => {
        reload = undefined;
      };
    },
    now: () => nowMs,
    pollMs: 5,
  });
  return {
    feed,
    appendAudit: () => (auditSeq += 1),
    nextMinute: () => (nowMs += 60_000),
    reloadRollout: () => reload?.(),
    reads: () => reads,
    isWatchingRollout: () => reload !== undefined,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('createChangeFeed()', () => {
  it('tells every listener once when the audit head, the rollout or the minute moves, and not otherwise', async () => {
    const sources = feedOver();
    const first: ChangeState[] = [];
    const second: ChangeState[] = [];
    const stopFirst = sources.feed.subscribe((state) => first.push(state));
    const stopSecond = sources.feed.subscribe((state) => second.push(state));
    await settle();
    assert.equal(first.length, 0);
    sources.appendAudit();
    await settle();
    sources.reloadRollout();
    await settle();
    sources.nextMinute();
    await settle();
    assert.deepEqual(
      first.map((state) => [state.auditSeq, state.rolloutReloads]),
      [
        [4, 0],
        [4, 1],
        [4, 1],
      ],
    );
    assert.equal(first[2]?.minute, (first[1]?.minute ?? 0) + 1);
    assert.deepEqual(second, first);
    stopFirst();
    stopSecond();
    sources.feed.close();
  });

  it('reads nothing while nobody listens, and stops watching the rollout when closed', async () => {
    const sources = feedOver();
    await settle();
    assert.equal(sources.reads(), 0);
    const stop = sources.feed.subscribe(() => {});
    await settle();
    assert.ok(sources.reads() > 0);
    stop();
    const readsAfterStop = sources.reads();
    await settle();
    assert.equal(sources.reads(), readsAfterStop);
    sources.feed.close();
    assert.equal(sources.isWatchingRollout(), false);
  });
});
