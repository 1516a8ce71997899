import type { Kysely, Transaction } from 'kysely';
import type { Pipeline } from '../game/game-types.js';
import type { DatabaseSchema } from '../store/schema.js';
import type { OverrideKind, RolloutOverride, StoredRolloutState } from './rollout-state.js';

export type Executor = Transaction<DatabaseSchema> | Kysely<DatabaseSchema>;

/** The stored rollout config and overrides. Every method runs on the executor it is given. */
export interface RolloutStore {
  /** The config row and every override (expired ones too). */
  readState(ex: Executor): Promise<StoredRolloutState>;
  /** Just the version: what a poller reads every tick. */
  readVersion(ex: Executor): Promise<number>;
  /** Writes the given config columns and bumps the version; returns the new version. */
  updateConfig(
    ex: Executor,
    change: { globalEnabled?: boolean; percentHundredths?: number; shadowHundredths?: number },
    by: string,
    at: string,
  ): Promise<number>;
  /** Bumps the version alone (after an override change); returns the new version. */
  bumpVersion(ex: Executor, by: string, at: string): Promise<number>;
  findOverride(ex: Executor, kind: OverrideKind, subjectId: string): Promise<RolloutOverride | undefined>;
  upsertOverride(ex: Executor, override: RolloutOverride): Promise<void>;
  deleteOverride(ex: Executor, kind: OverrideKind, subjectId: string): Promise<void>;
  /** Deletes every override (only those routing to `pipeline`, when given) and returns what it deleted. */
  deleteAllOverrides(ex: Executor, pipeline?: Pipeline): Promise<RolloutOverride[]>;
}
