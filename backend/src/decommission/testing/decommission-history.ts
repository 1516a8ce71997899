import { createTestServices, type TestServices } from '../../app/testing/test-services.js';
import type { Principal } from '../../auth/auth-service.js';
import type { Role } from '../../auth/roles.js';
import { LOCAL_RUN_MODEL } from '../../goldens/golden-run-store.js';
import { createKyselyGoldenRunStore } from '../../goldens/kysely-golden-run-store.js';
import { seedActors } from '../../rollout/testing/control-plane.js';
import type { TestDatabaseTarget } from '../../store/testing/test-databases.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** The history starts this long before "now": a day more than the seed's seven at 100 %. */
export const HISTORY_DAYS = 8;
/** The SLO evaluator runs (and turns arrive) every this often in the seeded history. */
export const SLOT_MS = 3 * HOUR;
export const TURNS_PER_SLOT = 200;

/** A clock the test moves; every service of the store reads it. */
export interface TestClock {
  (): Date;
  set(ms: number): void;
}

export function testClock(startMs: number): TestClock {
  let now = startMs;
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

/** A store of `target` wired as the process wires it, on a test clock, with one actor per role. */
export interface HistoryStore {
  services: TestServices;
  clock: TestClock;
  tokens: Record<Role, string>;
  principals: Record<Role, Principal>;
  /** The environment the services were parsed from (DATABASE_URL / AWF_DB_PATH and the test's own). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** SLO_MIN_SAMPLE for these stores: each evaluation sees TURNS_PER_SLOT turns in its 5 m window. */
export const HISTORY_ENV = { SLO_MIN_SAMPLE: '20', AWF_CHANGE_RATE_LIMIT: '1000' } as const;

export async function openHistoryStore(
  target: TestDatabaseTarget,
  startMs: number,
  env: Record<string, string> = {},
): Promise<HistoryStore> {
  const database = await target.open();
  const clock = testClock(startMs);
  // The services open the target's database again, as a second process would (admin-api.ts does the same).
  const location: Record<string, string> = database.url
    ? { DATABASE_URL: database.url }
    : { AWF_DB_PATH: database.sqlitePath as string };
  const fullEnv = { ...HISTORY_ENV, ...location, ...env };
  let services: TestServices;
  try {
    services = await createTestServices(fullEnv, {
      clock,
      watchRollout: false,
      sloTimers: false,
      auditTimers: false,
      ...(location.AWF_DB_PATH ? { sqlitePath: location.AWF_DB_PATH } : {}),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const { tokens, principals } = await seedActors(services.auth);
  return {
    services,
    clock,
    tokens,
    principals,
    env: fullEnv,
    async close() {
      await services.dispose();
      await database.close();
    },
  };
}

/** What a scenario does besides the healthy history: at a slot, instead of its turns, or afterwards. */
export interface HistoryTwist {
  /** Called at each slot's time before its turns; return false to record no healthy turns there. */
  atSlot?(store: HistoryStore, slotMs: number, index: number): Promise<boolean | undefined>;
  /** Golden run outcomes, oldest first (default: three passing). */
  goldens?: Array<'passed' | 'failed'>;
  /** Called at "now", after everything else. */
  atEnd?(store: HistoryStore): Promise<void>;
}

/**
 * A history that meets every prerequisite, through the real services on the test clock: 100 % with the
 * flag on set by an operator eight days before `nowMs`; every three hours 200 healthy AWF turns and an
 * SLO evaluation (history points, no alert); three passing full golden verify runs on the served content;
 * two real turns (routed to AWF) in the last hour. The clock ends at `nowMs`.
 */
export async function seedReadyHistory(store: HistoryStore, nowMs: number, twist: HistoryTwist = {}) {
  const { services, clock, principals } = store;
  const startMs = nowMs - HISTORY_DAYS * DAY;
  clock.set(startMs);
  await services.rollout.setRollout(principals.operator, { globalEnabled: true, percent: 100 });
  await services.rolloutState.refresh();
  let index = 0;
  for (let slotMs = startMs + SLOT_MS; slotMs <= nowMs - HOUR; slotMs += SLOT_MS, index++) {
    clock.set(slotMs);
    const healthy = (await twist.atSlot?.(store, slotMs, index)) ?? true;
    if (healthy) recordAwfTurns(store, slotMs, TURNS_PER_SLOT, 0);
    await services.slos.flush();
    await services.slos.evaluate();
  }
  const goldens = twist.goldens ?? ['passed', 'passed', 'passed'];
  const runs = createKyselyGoldenRunStore(services.database.db);
  for (const [i, outcome] of goldens.entries()) {
    await runs.saveRun({
      runId: `run-${i + 1}`,
      mode: 'verify',
      fullRun: true,
      startedAt: new Date(nowMs - (goldens.length - i) * HOUR).toISOString(),
      contentHash: services.content.hash,
      harnessVersion: 'test',
      models: { awf: LOCAL_RUN_MODEL, legacy: LOCAL_RUN_MODEL },
      samplesRequested: 1,
      partial: false,
      results: [
        { scenario: 'first-meet-kiera', pipeline: 'awf', status: 'passed', turns: 3, durationMs: 20 },
        { scenario: 'first-meet-kiera', pipeline: 'legacy', status: outcome, turns: 3, durationMs: 20 },
      ],
    });
  }
  clock.set(nowMs - 30 * MINUTE);
  await playTurn(store, 'player-1');
  await playTurn(store, 'player-2');
  clock.set(nowMs);
  await twist.atEnd?.(store);
  await services.slos.flush();
}

/** `count` AWF turns at `atMs` (and the seconds before it), `fallbacks` of them fallen back to legacy. */
export function recordAwfTurns(store: HistoryStore, atMs: number, count: number, fallbacks: number): void {
  for (let i = 0; i < count; i++) {
    store.services.slos.recordTurn(
      {
        pipeline: 'awf',
        latencyMs: 900 + (i % 7) * 100,
        retried: i % 50 === 0,
        fallback: i < fallbacks,
        ...(i < fallbacks ? { fallbackReason: 'validation_failed' } : {}),
      },
      atMs - (i % 120) * 1000,
    );
  }
}

/** One real turn of a new session of `userId`, routed by the live rollout state at the clock's time. */
export async function playTurn(store: HistoryStore, userId: string) {
  const opening = await store.services.turns.startSession({ userId });
  return store.services.turns.playTurn(opening.sessionId, 'look around');
}
