import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { createRecentTurnsCache } from './recent-turns-cache.js';

const AWF_FOR_ALL = { AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' };

const opened: TestServices[] = [];
afterEach(async () => {
  for (const services of opened.splice(0)) await services.dispose();
});

/** Test services whose AWF provider records the recent turns of every bundle it is handed. */
async function recordingServices(sqlitePath?: string) {
  const services = await createTestServices(AWF_FOR_ALL, sqlitePath ? { sqlitePath } : {});
  opened.push(services);
  const shown: Array<Array<{ turn: number; input: string; txt: string }>> = [];
  const complete = services.provider.complete.bind(services.provider);
  services.provider.complete = (request) => {
    const bundle = request.bundle as { recent: Array<{ turn: number; input: string; txt: string }> };
    shown.push(bundle.recent.map(({ turn, input, txt }) => ({ turn, input, txt })));
    return complete(request);
  };
  let storeReads = 0;
  const { sessions } = services.database;
  const recentTurns = sessions.recentTurns.bind(sessions);
  sessions.recentTurns = (sessionId, options) => {
    storeReads += 1;
    return recentTurns(sessionId, options);
  };
  return { services, shown, storeReads: () => storeReads };
}

describe('recent turns in memory', () => {
  it('a turn reads its session’s last three turns from the store once, then from the turn before it', async () => {
    const { services, shown, storeReads } = await recordingServices();
    const { sessionId } = await services.turns.startSession({ seed: 5 });
    const inputs = ['look around', 'take the lantern', 'look around', 'go to the glade', 'look around'];
    const answers = [];
    for (const input of inputs) answers.push(await services.turns.playTurn(sessionId, input));
    assert.equal(storeReads(), 1, 'only the first turn reads the store');
    // Each bundle shows what the store holds: the same as reading it back now.
    const stored = await services.database.sessions.recentTurns(sessionId, { last: 3 });
    assert.deepEqual(
      shown.at(-1),
      (await services.database.sessions.recentTurns(sessionId, { last: 3, beforeTurnNo: 5 })).map((t) => ({
        turn: t.turnNo,
        input: t.input,
        txt: t.txt,
      })),
    );
    assert.deepEqual(
      stored.map((t) => t.txt),
      answers.slice(-3).map((answer) => answer.txt),
    );
    assert.deepEqual(
      shown.map((recent) => recent.map((t) => t.turn)),
      [[], [1], [1, 2], [1, 2, 3], [2, 3, 4]],
    );
  });

  it('a turn written by another process is in the next bundle: the remembered count no longer matches', async () => {
    const first = await recordingServices();
    const { sessionId } = await first.services.turns.startSession({ seed: 8 });
    await first.services.turns.playTurn(sessionId, 'look around');
    await first.services.turns.playTurn(sessionId, 'take the lantern');
    // A second set of services on the same SQLite file (e.g. npm run play) plays turn 3.
    const second = await recordingServices(first.services.sqlitePath);
    const third = await second.services.turns.playTurn(sessionId, 'look around');
    await first.services.turns.playTurn(sessionId, 'go to the glade');
    assert.deepEqual(
      first.shown.at(-1)?.map((t) => t.turn),
      [1, 2, 3],
    );
    assert.equal(first.shown.at(-1)?.at(-1)?.txt, third.txt);
    assert.equal(first.storeReads(), 2, 'the first turn and the one after the other writer read the store');
  });

  it('forgets the least recently used session beyond its capacity and anything older than its age', () => {
    const cache = createRecentTurnsCache({ capacity: 2, maxAgeMs: 1000 });
    const recent = [{ turn: 1, input: 'look', txt: 'You look.' }];
    cache.remember('a', 1, recent, 0);
    cache.remember('b', 1, recent, 0);
    assert.deepEqual(cache.get('a', 1, 10), recent, 'a is now the most recently used');
    cache.remember('c', 1, recent, 10);
    assert.equal(cache.get('b', 1, 10), undefined, 'b went first');
    assert.deepEqual(cache.get('c', 1, 10), recent);
    assert.equal(cache.get('a', 2, 10), undefined, 'another turn count is not this entry');
    cache.remember('c', 1, recent, 10);
    assert.equal(cache.get('c', 1, 1011), undefined, 'older than 1000 ms');
    assert.throws(() => createRecentTurnsCache({ capacity: 0, maxAgeMs: 1 }), /capacity must be at least 1/);
  });
});
