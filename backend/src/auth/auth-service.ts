import type { AuditLogger } from '../audit/audit-logger.js';
import { InvalidInputError } from '../shared/errors.js';
import type { Database } from '../store/database.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import {
  ActorExistsError,
  ActorMismatchError,
  ActorNotFoundError,
  ForbiddenError,
  InvalidTokenError,
  LastAdminError,
  LastAdminTokenError,
  MissingTokenError,
  RateLimitedError,
  TokenNotFoundError,
  UnknownActorError,
} from './auth-errors.js';
import type { AuthStore, Executor, StoredActor, StoredToken } from './auth-store.js';
import { ACTOR_NAME_PATTERN, can, type Permission, RESERVED_ACTOR_NAMES, type Role } from './roles.js';
import { generateToken, hashesEqual, hashToken, tokenIdOf } from './tokens.js';

/** Who is asking, once their token checked out. */
export interface Principal {
  actor: string;
  role: Role;
  /** null for the process itself (bootstrap). */
  tokenId: string | null;
  /** When the presented token stops working (ISO 8601; null: never); set by authenticate(). */
  tokenExpiresAt?: string | null;
}

export interface AuthenticateRequest {
  /** As presented: AWF_ADMIN_TOKEN or the Bearer token. */
  token: string | undefined;
  permission: Permission;
  /** The CLI's `--actor`: when given it must be the token's actor. */
  claimedActor?: string | undefined;
  via: 'cli' | 'http';
  /** Where the request came from (the HTTP client address). */
  source?: string | undefined;
}

export type TokenState = 'active' | 'expired' | 'revoked';

export interface TokenView {
  id: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  state: TokenState;
}

export interface ActorView {
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  tokens: TokenView[];
}

/** A token as issued: the only time its secret is visible. */
export interface IssuedToken {
  actor: string;
  role: Role;
  tokenId: string;
  token: string;
  expiresAt: string | null;
}

export interface AuthService {
  /**
   * Resolves the presented token to a principal holding `permission`. Every failure (missing,
   * unknown, revoked or expired token; unknown or mismatched --actor; a role without the permission)
   * writes one `auth.denied` entry — never the token — and throws.
   */
  authenticate(request: AuthenticateRequest): Promise<Principal>;
  /** Whether some admin holds a usable (active, unexpired) token; while none does, the bootstrap applies. */
  hasUsableAdminToken(): Promise<boolean>;
  /** Who can still act as an admin with a token, and until when. */
  adminAccess(): Promise<AdminAccess>;
  /**
   * Adds an admin with no token (the bootstrap): only while no admin holds a usable token — none was
   * ever added, or every admin token expired or was revoked — so the store's owner can always get
   * back in. Audited with actor `bootstrap`.
   */
  addFirstAdmin(input: {
    name: string;
    expiresAt?: Date | undefined;
    via: 'cli' | 'http';
  }): Promise<IssuedToken>;
  addActor(
    by: Principal,
    input: { name: string; role: Role; expiresAt?: Date | undefined },
  ): Promise<IssuedToken>;
  issueToken(by: Principal, name: string, input: { expiresAt?: Date | undefined }): Promise<IssuedToken>;
  revokeActor(by: Principal, name: string): Promise<{ actor: string; tokensRevoked: string[] }>;
  revokeToken(by: Principal, tokenId: string): Promise<{ actor: string; tokenId: string }>;
  listActors(by: Principal): Promise<ActorView[]>;
  /**
   * Throws RateLimitedError when `actor` already made the allowed number of changes within the
   * window. Call it in the change's write transaction after `audit.lockForAppend`, so the count is
   * exact across processes sharing the store; a rejected change then writes nothing.
   */
  enforceChangeRate(trx: Executor, actor: string): Promise<void>;
  /** The limit changes are judged by: the stored setting, or the default while none is stored. */
  changeRateLimit(): Promise<ChangeRateLimit>;
  /**
   * Stores a new limit (admin only, `ratelimit.manage`; not itself rate limited); one
   * `auth.rate_limit.set` entry; every process applies it to its next change.
   */
  setChangeRateLimit(
    by: Principal,
    limit: { changes: number; windowSec: number },
  ): Promise<{ previous: ChangeRateLimit; new: ChangeRateLimit; auditSeq: number }>;
  /**
   * The server's seed (AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S in the server's environment):
   * stored, audited as `system`, only while no limit is stored. Returns the limit in force afterwards.
   */
  seedChangeRateLimit(seed: { changes: number; windowSec: number }): Promise<ChangeRateLimit>;
  /**
   * Writes the auth.denied attempts counted but not yet written (collapsed under attack) now, one
   * entry per source; called on close, otherwise a timer does it when the minute ends.
   */
  flushDenied(): Promise<void>;
}

/** The per-actor change rate limit in force, and where it comes from. */
export interface ChangeRateLimit {
  changes: number;
  windowSec: number;
  source: 'store' | 'default';
  updatedAt: string | null;
  updatedBy: string | null;
}

/** Changes per actor per window while no limit is stored. */
export const DEFAULT_CHANGE_RATE_LIMIT = { changes: 30, windowSec: 60 } as const;

/** The admin tokens usable now: how many, and whether they all expire. */
export interface AdminAccess {
  usableTokens: number;
  /** The latest expiry among them; null when one never expires (or there are none). */
  until: string | null;
  /** True when there are usable admin tokens and every one of them expires. */
  expires: boolean;
}

export interface AuthServiceDeps {
  database: Database;
  store: AuthStore;
  audit: AuditLogger;
  /** The limit while none is stored (DEFAULT_CHANGE_RATE_LIMIT unless a test says otherwise). */
  defaultRateLimit?: { changes: number; windowSec: number };
  clock?: () => Date;
}

/**
 * Collapsing auth.denied under attack: per source (client address; `cli` for scripts) and minute, the
 * first DENIED_IMMEDIATE_PER_SOURCE denials are written at once; the rest of that minute are counted
 * and written as one entry with their `attempts` when the minute ends. A process writes at most
 * DENIED_IMMEDIATE_PER_MINUTE entries at once per minute, and tracks at most DENIED_SOURCES_PER_MINUTE
 * sources; attempts from further sources are counted under `source: "other"`.
 */
const DENIED_IMMEDIATE_PER_SOURCE = 5;
const DENIED_IMMEDIATE_PER_MINUTE = 100;
const DENIED_SOURCES_PER_MINUTE = 1000;
const OTHER_SOURCES = 'other';
/** Compared against when no token row matched, so an unknown id costs the same as a wrong secret. */
const DUMMY_HASH = hashToken('awf_000000000000_none');

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { database, store, audit } = deps;
  const defaultRateLimit = deps.defaultRateLimit ?? DEFAULT_CHANGE_RATE_LIMIT;
  const clock = deps.clock ?? (() => new Date());
  /** This minute's denials per source: written at once, and counted to be written as one entry. */
  interface DeniedSource {
    written: number;
    attempts: number;
    reasons: Record<string, number>;
    via: AuthenticateRequest['via'];
    permissions: Set<string>;
  }
  let deniedMinute = Number.NaN;
  let deniedWritten = 0;
  let deniedSources = new Map<string, DeniedSource>();
  let deniedFlushTimer: NodeJS.Timeout | undefined;

  /** Writes one entry per source for the attempts of a minute that were counted, not written. */
  const flushDenied = async (): Promise<void> => {
    if (deniedFlushTimer) clearTimeout(deniedFlushTimer);
    deniedFlushTimer = undefined;
    const minute = deniedMinute;
    const sources = deniedSources;
    deniedSources = new Map();
    deniedMinute = Number.NaN;
    deniedWritten = 0;
    for (const [source, counted] of sources) {
      if (counted.attempts === 0) continue;
      await audit.append({
        actor: 'anonymous',
        action: 'auth.denied',
        entity: 'auth',
        details: {
          reason: Object.entries(counted.reasons).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown',
          reasons: counted.reasons,
          attempts: counted.attempts,
          collapsed: true,
          via: counted.via,
          permissions: [...counted.permissions].sort(),
          source,
          minute: new Date(minute * 60_000).toISOString(),
        },
      });
    }
  };

  const recordDenied = async (
    request: AuthenticateRequest,
    reason: string,
    extra: { actor?: string; tokenId?: string } = {},
  ): Promise<void> => {
    const minute = Math.floor(clock().getTime() / 60_000);
    if (minute !== deniedMinute) {
      if (deniedSources.size > 0) await flushDenied();
      deniedMinute = minute;
    }
    const named = request.source ?? request.via;
    const key =
      deniedSources.has(named) || deniedSources.size < DENIED_SOURCES_PER_MINUTE ? named : OTHER_SOURCES;
    let counted = deniedSources.get(key);
    if (!counted) {
      counted = { written: 0, attempts: 0, reasons: {}, via: request.via, permissions: new Set() };
      deniedSources.set(key, counted);
    }
    if (counted.written >= DENIED_IMMEDIATE_PER_SOURCE || deniedWritten >= DENIED_IMMEDIATE_PER_MINUTE) {
      // Under attack: count it; one entry per source carries the count when the minute ends.
      counted.attempts += 1;
      counted.reasons[reason] = (counted.reasons[reason] ?? 0) + 1;
      counted.permissions.add(request.permission);
      if (!deniedFlushTimer) {
        const untilNextMinute = (minute + 1) * 60_000 - clock().getTime();
        deniedFlushTimer = setTimeout(() => {
          flushDenied().catch((error: unknown) => {
            console.error(`error: writing collapsed auth.denied entries failed: ${(error as Error).message}`);
          });
        }, Math.max(untilNextMinute, 0) + 10);
        deniedFlushTimer.unref();
      }
      return;
    }
    counted.written += 1;
    deniedWritten += 1;
    await audit.append({
      actor: extra.actor ?? 'anonymous',
      action: 'auth.denied',
      entity: 'auth',
      details: {
        reason,
        attempts: 1,
        via: request.via,
        permission: request.permission,
        ...(extra.tokenId ? { tokenId: extra.tokenId } : {}),
        ...(request.claimedActor !== undefined ? { claimedActor: request.claimedActor.slice(0, 64) } : {}),
        ...(request.source ? { source: request.source } : {}),
      },
    });
  };

  /** Read in the change's transaction, so a limit stored by any process applies to the next change. */
  const limitIn = async (ex: Executor): Promise<ChangeRateLimit> => {
    const stored = await store.readChangeRateLimit(ex);
    return stored
      ? { ...stored, source: 'store' }
      : { ...defaultRateLimit, source: 'default', updatedAt: null, updatedBy: null };
  };

  const enforceChangeRate = async (trx: Executor, actor: string): Promise<void> => {
    const rateLimit = await limitIn(trx);
    const now = clock().getTime();
    const since = new Date(now - rateLimit.windowSec * 1000).toISOString();
    const made = await audit.countByActorSince(trx, actor, since, ['auth.denied']);
    if (made < rateLimit.changes) return;
    const oldest = await audit.oldestByActorSince(trx, actor, since, ['auth.denied']);
    const freesAt = (oldest ? Date.parse(oldest) : now) + rateLimit.windowSec * 1000;
    throw new RateLimitedError(
      actor,
      rateLimit.changes,
      rateLimit.windowSec,
      Math.max(1, Math.ceil((freesAt - now) / 1000)),
      rateLimit.source,
    );
  };

  /** One change by `by`: lock, rate limit, then the work and its audit entry, atomically. */
  const change = <T>(by: Principal, work: (trx: Executor, now: string) => Promise<T>): Promise<T> =>
    withWriteTransaction(database, async (trx) => {
      await audit.lockForAppend(trx);
      await enforceChangeRate(trx, by.actor);
      return work(trx, clock().toISOString());
    });

  const requirePermission = (by: Principal, permission: Permission): void => {
    if (!can(by.role, permission)) throw new ForbiddenError(by.actor, by.role, permission);
  };

  const checkExpiry = (expiresAt: Date | undefined): string | null => {
    if (expiresAt === undefined) return null;
    if (expiresAt.getTime() <= clock().getTime()) {
      throw new InvalidInputError(`token expiry ${expiresAt.toISOString()} is not in the future`);
    }
    return expiresAt.toISOString();
  };

  const newToken = async (
    trx: Executor,
    actor: string,
    createdBy: string,
    now: string,
    expiresAt: string | null,
  ): Promise<{ id: string; token: string }> => {
    const { id, token, hash } = generateToken();
    await store.insertToken(trx, {
      id,
      actor,
      tokenHash: hash,
      createdAt: now,
      createdBy,
      expiresAt,
      revokedAt: null,
    });
    return { id, token };
  };

  /** Inserts (or reactivates) the actor with a first token, and its one audit entry. */
  const insertActor = async (
    trx: Executor,
    by: string,
    input: { name: string; role: Role },
    now: string,
    expiresAt: string | null,
  ): Promise<IssuedToken> => {
    const existing = await store.findActor(trx, input.name);
    if (existing && existing.revokedAt === null) throw new ActorExistsError(input.name);
    await store.saveActor(trx, {
      name: input.name,
      role: input.role,
      createdAt: now,
      createdBy: by,
      revokedAt: null,
    });
    const token = await newToken(trx, input.name, by, now, expiresAt);
    await audit.appendInTransaction(trx, {
      actor: by,
      action: 'actor.added',
      entity: `actor:${input.name}`,
      details: {
        previous: existing ? { role: existing.role, revokedAt: existing.revokedAt } : null,
        new: { role: input.role },
        tokenId: token.id,
        tokenExpiresAt: expiresAt,
      },
    });
    return { actor: input.name, role: input.role, tokenId: token.id, token: token.token, expiresAt };
  };

  return {
    flushDenied,

    async authenticate(request) {
      if (request.token === undefined || request.token.trim() === '') {
        await recordDenied(request, 'missing_token');
        throw new MissingTokenError();
      }
      const tokenId = tokenIdOf(request.token.trim());
      const found = tokenId === undefined ? undefined : await store.findToken(database.db, tokenId);
      const presentedHash = hashToken(request.token.trim());
      const matches = hashesEqual(presentedHash, found?.token.tokenHash ?? DUMMY_HASH) && found !== undefined;
      if (!found || !matches) {
        await recordDenied(request, 'invalid_token');
        throw new InvalidTokenError();
      }
      const { token, actor } = found;
      const now = clock().getTime();
      const unusable =
        token.revokedAt !== null
          ? 'token_revoked'
          : actor.revokedAt !== null
            ? 'actor_revoked'
            : token.expiresAt !== null && Date.parse(token.expiresAt) <= now
              ? 'token_expired'
              : undefined;
      if (unusable) {
        await recordDenied(request, unusable, { actor: actor.name, tokenId: token.id });
        throw new InvalidTokenError();
      }
      if (request.claimedActor !== undefined && request.claimedActor !== actor.name) {
        const claimed = await store.findActor(database.db, request.claimedActor);
        const known = claimed !== undefined && claimed.revokedAt === null;
        await recordDenied(request, known ? 'actor_mismatch' : 'unknown_actor', {
          actor: actor.name,
          tokenId: token.id,
        });
        throw known
          ? new ActorMismatchError(request.claimedActor, actor.name)
          : new UnknownActorError(request.claimedActor);
      }
      if (!can(actor.role, request.permission)) {
        await recordDenied(request, 'forbidden', { actor: actor.name, tokenId: token.id });
        throw new ForbiddenError(actor.name, actor.role, request.permission);
      }
      return { actor: actor.name, role: actor.role, tokenId: token.id, tokenExpiresAt: token.expiresAt };
    },

    async hasUsableAdminToken() {
      return (await store.listUsableAdminTokens(database.db, clock().toISOString())).length > 0;
    },

    async adminAccess() {
      const tokens = await store.listUsableAdminTokens(database.db, clock().toISOString());
      const expires = tokens.length > 0 && tokens.every((token) => token.expiresAt !== null);
      const until = expires
        ? tokens.reduce(
            (latest, token) => ((token.expiresAt as string) > latest ? (token.expiresAt as string) : latest),
            '',
          )
        : null;
      return { usableTokens: tokens.length, until, expires };
    },

    async addFirstAdmin(input) {
      assertActorName(input.name);
      const expiresAt = checkExpiry(input.expiresAt);
      try {
        return await withWriteTransaction(database, async (trx) => {
          await audit.lockForAppend(trx);
          if ((await store.listUsableAdminTokens(trx, clock().toISOString())).length > 0) {
            throw new MissingTokenError(
              'AWF_ADMIN_TOKEN is not set: an admin holds a usable token, so adding an actor needs an admin token',
            );
          }
          return insertActor(
            trx,
            'bootstrap',
            { name: input.name, role: 'admin' },
            clock().toISOString(),
            expiresAt,
          );
        });
      } catch (error) {
        if (error instanceof MissingTokenError) {
          await recordDenied(
            { token: undefined, permission: 'actors.manage', via: input.via },
            'missing_token',
          );
        }
        throw error;
      }
    },

    async addActor(by, input) {
      requirePermission(by, 'actors.manage');
      assertActorName(input.name);
      const expiresAt = checkExpiry(input.expiresAt);
      return change(by, (trx, now) => insertActor(trx, by.actor, input, now, expiresAt));
    },

    async issueToken(by, name, input) {
      requirePermission(by, 'actors.manage');
      const expiresAt = checkExpiry(input.expiresAt);
      return change(by, async (trx, now) => {
        const actor = await store.findActor(trx, name);
        if (!actor || actor.revokedAt !== null) throw new ActorNotFoundError(name);
        const token = await newToken(trx, name, by.actor, now, expiresAt);
        await audit.appendInTransaction(trx, {
          actor: by.actor,
          action: 'token.issued',
          entity: `actor:${name}`,
          details: { tokenId: token.id, expiresAt },
        });
        return { actor: name, role: actor.role, tokenId: token.id, token: token.token, expiresAt };
      });
    },

    async revokeActor(by, name) {
      requirePermission(by, 'actors.manage');
      return change(by, async (trx, now) => {
        const actor = await store.findActor(trx, name);
        if (!actor || actor.revokedAt !== null) throw new ActorNotFoundError(name);
        if (actor.role === 'admin') {
          const othersUsable = (await store.listUsableAdminTokens(trx, now)).filter(
            (token) => token.actor !== name,
          );
          if ((await store.countActiveAdmins(trx)) <= 1 || othersUsable.length === 0) {
            throw new LastAdminError(name);
          }
        }
        const tokensRevoked = await store.revokeActor(trx, name, now);
        await audit.appendInTransaction(trx, {
          actor: by.actor,
          action: 'actor.revoked',
          entity: `actor:${name}`,
          details: {
            previous: { role: actor.role, revokedAt: null },
            new: { revokedAt: now },
            tokensRevoked,
          },
        });
        return { actor: name, tokensRevoked };
      });
    },

    async revokeToken(by, tokenId) {
      requirePermission(by, 'actors.manage');
      return change(by, async (trx, now) => {
        const found = await store.findToken(trx, tokenId);
        if (!found || found.token.revokedAt !== null) throw new TokenNotFoundError(tokenId);
        const usable = await store.listUsableAdminTokens(trx, now);
        if (usable.some((token) => token.id === tokenId) && usable.length <= 1) {
          throw new LastAdminTokenError(tokenId, found.actor.name);
        }
        await store.revokeToken(trx, tokenId, now);
        await audit.appendInTransaction(trx, {
          actor: by.actor,
          action: 'token.revoked',
          entity: `actor:${found.actor.name}`,
          details: { tokenId, previous: { revokedAt: null }, new: { revokedAt: now } },
        });
        return { actor: found.actor.name, tokenId };
      });
    },

    async listActors(by) {
      requirePermission(by, 'actors.manage');
      const now = clock().getTime();
      const [actors, tokens] = await Promise.all([
        store.listActors(database.db),
        store.listTokens(database.db),
      ]);
      return actors.map((actor) => toActorView(actor, tokens, now));
    },

    enforceChangeRate,

    changeRateLimit: () => limitIn(database.db),

    async setChangeRateLimit(by, limit) {
      requirePermission(by, 'ratelimit.manage');
      assertChangeRateLimit(limit);
      // Not itself rate limited, so an admin can always raise a limit that is holding them back.
      return withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        const now = clock().toISOString();
        const previous = await limitIn(trx);
        const next: ChangeRateLimit = { ...limit, source: 'store', updatedAt: now, updatedBy: by.actor };
        await store.saveChangeRateLimit(trx, next);
        const entry = await audit.appendInTransaction(trx, {
          actor: by.actor,
          action: 'auth.rate_limit.set',
          entity: 'auth:rate-limit',
          details: {
            previous:
              previous.source === 'store'
                ? { changes: previous.changes, windowSec: previous.windowSec }
                : null,
            new: { changes: limit.changes, windowSec: limit.windowSec },
          },
        });
        return { previous, new: next, auditSeq: entry.seq };
      });
    },

    async seedChangeRateLimit(seed) {
      assertChangeRateLimit(seed);
      return withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        const current = await limitIn(trx);
        if (current.source === 'store') return current;
        const now = clock().toISOString();
        const seeded: ChangeRateLimit = { ...seed, source: 'store', updatedAt: now, updatedBy: 'system' };
        await store.saveChangeRateLimit(trx, seeded);
        await audit.appendInTransaction(trx, {
          actor: 'system',
          action: 'auth.rate_limit.set',
          entity: 'auth:rate-limit',
          details: {
            previous: null,
            new: { changes: seed.changes, windowSec: seed.windowSec },
            source: 'server environment (AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S)',
          },
        });
        return seeded;
      });
    },
  };
}

/** Changes 1–100000 per window of 1 s – 1 day, whole numbers. */
function assertChangeRateLimit(limit: { changes: number; windowSec: number }): void {
  if (!Number.isInteger(limit.changes) || limit.changes < 1 || limit.changes > 100_000) {
    throw new InvalidInputError(
      `rate limit changes must be an integer from 1 to 100000, got ${limit.changes}`,
    );
  }
  if (!Number.isInteger(limit.windowSec) || limit.windowSec < 1 || limit.windowSec > 86_400) {
    throw new InvalidInputError(
      `rate limit window must be a whole number of seconds from 1 to 86400 (1 day), got ${limit.windowSec}`,
    );
  }
}

function assertActorName(name: string): void {
  if (!ACTOR_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `actor name ${JSON.stringify(name)} is invalid: use 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit`,
    );
  }
  if ((RESERVED_ACTOR_NAMES as readonly string[]).includes(name)) {
    throw new InvalidInputError(`actor name ${name} is reserved for the process itself`);
  }
}

function toActorView(actor: StoredActor, tokens: StoredToken[], now: number): ActorView {
  return {
    name: actor.name,
    role: actor.role,
    createdAt: actor.createdAt,
    createdBy: actor.createdBy,
    revokedAt: actor.revokedAt,
    tokens: tokens
      .filter((token) => token.actor === actor.name)
      .map((token) => ({
        id: token.id,
        createdAt: token.createdAt,
        createdBy: token.createdBy,
        expiresAt: token.expiresAt,
        revokedAt: token.revokedAt,
        state:
          token.revokedAt !== null
            ? 'revoked'
            : token.expiresAt !== null && Date.parse(token.expiresAt) <= now
              ? 'expired'
              : 'active',
      })),
  };
}
