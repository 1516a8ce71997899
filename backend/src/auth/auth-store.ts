import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import type { Role } from './roles.js';

/** A query runner: the database, or a write transaction. */
export type Executor = Transaction<DatabaseSchema> | Kysely<DatabaseSchema>;

export interface StoredActor {
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface StoredToken {
  id: string;
  actor: string;
  /** SHA-256 hex of the whole token. */
  tokenHash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Actors and their hashed tokens. Every method runs on the executor it is given. */
export interface AuthStore {
  findActor(ex: Executor, name: string): Promise<StoredActor | undefined>;
  /** The token with that id and its actor. */
  findToken(ex: Executor, id: string): Promise<{ token: StoredToken; actor: StoredActor } | undefined>;
  countActiveAdmins(ex: Executor): Promise<number>;
  /**
   * The tokens that can act as an admin at `now`: neither they nor their actor revoked, not expired,
   * and the actor an admin. Nobody can manage actors with a token when there are none.
   */
  listUsableAdminTokens(ex: Executor, now: string): Promise<StoredToken[]>;
  /** Inserts, or reactivates a revoked actor of that name with the new role. */
  saveActor(ex: Executor, actor: StoredActor): Promise<void>;
  insertToken(ex: Executor, token: StoredToken): Promise<void>;
  /** Marks the actor and its active tokens revoked; returns the ids of the tokens revoked. */
  revokeActor(ex: Executor, name: string, at: string): Promise<string[]>;
  revokeToken(ex: Executor, id: string, at: string): Promise<void>;
  listActors(ex: Executor): Promise<StoredActor[]>;
  listTokens(ex: Executor): Promise<StoredToken[]>;
  /** The stored per-actor change rate limit, or undefined while none is stored. */
  readChangeRateLimit(ex: Executor): Promise<StoredChangeRateLimit | undefined>;
  saveChangeRateLimit(ex: Executor, limit: StoredChangeRateLimit): Promise<void>;
}

/** Changes per actor per window, as stored (auth_settings) with who set it and when. */
export interface StoredChangeRateLimit {
  changes: number;
  windowSec: number;
  updatedAt: string | null;
  updatedBy: string | null;
}
