import type { Config } from '../config/config.js';
import { type Database, openDatabase } from '../store/database.js';
import { openSqliteSyncReader, type SqliteSyncReader } from '../store/sqlite-sync-reader.js';
import {
  createKyselyRolloutStore,
  readRolloutStateSync,
  readRolloutVersionSync,
} from './kysely-rollout-store.js';
import { RolloutStateNotReadyError } from './rollout-errors.js';
import { buildRolloutSnapshot, NOTHING_STORED, type StoredRolloutState } from './rollout-state.js';
import { createRouter, type RolloutSnapshot, type Router } from './route-decision.js';

/**
 * The router of a process that wired no services (a one-off script calling the seed's
 * `isAwfBundleEnabled`): the same decideRoute over the same stored state a server reads, so it gives
 * the answer the turns would get, never one from the environment alone.
 *
 * - SQLite: read synchronously (better-sqlite3 is synchronous) on the first call, and re-read when the
 *   stored version moved, checked at most every AWF_ROLLOUT_POLL_MS; no timer, nothing to close.
 * - PostgreSQL has no synchronous read: `await ready()` once loads the state; until then `decide()`
 *   throws ROLLOUT_STATE_NOT_READY rather than answer from the environment. After it, a call that finds
 *   the snapshot older than AWF_ROLLOUT_POLL_MS starts a re-read and answers from the snapshot it has.
 *
 * A state that cannot be read fails safe, as the server does: legacy (`rollout_state_unavailable`).
 */
export interface UnwiredRouter extends Router {
  /** Loads the stored state (PostgreSQL: the only way to; SQLite: done by the first call anyway). */
  ready(): Promise<void>;
}

export interface UnwiredRouterOptions {
  now?: () => number;
  /** Told once when reading starts failing, and once when it recovers. */
  warn?: (message: string) => void;
}

export function createUnwiredRouter(
  config: Pick<Config, 'rollout' | 'store'>,
  options: UnwiredRouterOptions = {},
): UnwiredRouter {
  const now = options.now ?? Date.now;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const env = config.rollout;
  let snapshot: RolloutSnapshot | undefined;
  let loadedVersion: number | undefined;
  let loaded = false;
  let readAt = Number.NEGATIVE_INFINITY;
  let failing = false;

  const loadedState = (state: StoredRolloutState): void => {
    snapshot = buildRolloutSnapshot(state, env);
    loadedVersion = state.version;
    loaded = true;
    if (failing) {
      failing = false;
      warn('rollout state readable again');
    }
  };
  const readFailed = (error: unknown): void => {
    snapshot = undefined;
    loadedVersion = undefined;
    loaded = true;
    if (!failing) {
      failing = true;
      warn(`rollout state unreadable, routing every turn to legacy: ${(error as Error).message}`);
    }
  };

  let current: () => RolloutSnapshot | undefined;
  let ready: () => Promise<void>;

  if (!config.store.databaseUrl) {
    const path = config.store.sqlitePath;
    let reader: SqliteSyncReader | undefined;
    current = () => {
      const at = now();
      if (loaded && at - readAt < env.pollIntervalMs) return snapshot;
      readAt = at;
      try {
        reader ??= openSqliteSyncReader(path);
        if (reader === undefined) loadedState(NOTHING_STORED);
        else if (snapshot === undefined || readRolloutVersionSync(reader) !== loadedVersion) {
          loadedState(readRolloutStateSync(reader));
        }
      } catch (error) {
        reader?.close();
        reader = undefined;
        readFailed(error);
      }
      return snapshot;
    };
    ready = async () => {
      current();
    };
  } else {
    const store = createKyselyRolloutStore();
    let database: Promise<Database> | undefined;
    let inFlight: Promise<void> | undefined;
    const open = (): Promise<Database> => {
      if (database) return database;
      const opening = openDatabase({ ...config.store, allowExitOnIdle: true });
      database = opening;
      // A store that could not be reached is tried again by the next read.
      opening.catch(() => {
        if (database === opening) database = undefined;
      });
      return opening;
    };
    const load = (): Promise<void> => {
      inFlight ??= (async () => {
        try {
          const { db } = await open();
          if (snapshot === undefined || (await store.readVersion(db)) !== loadedVersion) {
            loadedState(await store.readState(db));
          }
        } catch (error) {
          // The first read reports to ready()'s caller, as a server's start-up would; later ones fail safe.
          if (!loaded) throw error;
          readFailed(error);
        } finally {
          readAt = now();
          inFlight = undefined;
        }
      })();
      return inFlight;
    };
    current = () => {
      if (!loaded) throw new RolloutStateNotReadyError();
      if (now() - readAt >= env.pollIntervalMs) void load();
      return snapshot;
    };
    ready = async () => {
      if (!loaded) await load();
    };
  }

  const router = createRouter({
    switches: { emergencyFallback: env.emergencyFallback, legacyTurnEnabled: env.legacyTurnEnabled },
    snapshot: () => current(),
    now,
  });
  return { decide: router.decide, ready: () => ready() };
}
