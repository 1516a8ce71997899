import type { AuditLogger } from '../audit/audit-logger.js';
import { ForbiddenError } from '../auth/auth-errors.js';
import type { Principal } from '../auth/auth-service.js';
import { can, type Permission } from '../auth/roles.js';
import { InvalidInputError } from '../shared/errors.js';
import type { Database } from '../store/database.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import type {
  Executor,
  RetentionCounts,
  RetentionCutoffs,
  RetentionStore,
  RetentionTable,
} from './retention-store.js';

/** The shortest SLO retention: the 7d window needs seven days of minutes. */
export const MIN_SLO_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 3650;
/** Rows deleted per write transaction, so a large prune never holds the write lock for long. */
export const PRUNE_BATCH = 1000;

/** How long each kind of data is kept. `turnDays` null: turn records are kept forever. */
export interface RetentionPolicy {
  sloDays: number;
  turnDays: number | null;
}

/** Where a value comes from: the stored policy, or the process's configuration while none is stored. */
export type RetentionSource = 'store' | 'config';

/** The policy in force, each value with its source. The audit log is never deleted. */
export interface RetentionStatus {
  sloDays: { value: number; source: RetentionSource; variable: 'SLO_RETENTION_DAYS' };
  turnDays: { value: number | null; source: RetentionSource; variable: 'AWF_TURN_RETENTION_DAYS' };
  auditLog: 'kept forever';
  updatedAt: string | null;
  updatedBy: string | null;
}

/** A policy change, as its `retention.set` audit entry records it. */
export interface RetentionChange {
  previous: RetentionPolicy;
  new: RetentionPolicy;
  auditSeq: number;
}

/** What a prune removed (or, dry, would remove). */
export interface PruneReport {
  dryRun: boolean;
  policy: RetentionPolicy;
  cutoffs: RetentionCutoffs;
  removed: RetentionCounts;
  /** The `retention.pruned` entry, when rows were removed. */
  auditSeq?: number;
}

export interface RetentionService {
  /** The policy in force (`retention.read`). */
  status(by: Principal): Promise<RetentionStatus>;
  /**
   * Stores the given values (`retention.manage`): one transaction, the per-actor rate limit, one
   * `retention.set` entry with the previous and new policy. `turnDays` null keeps turns forever.
   */
  set(by: Principal, input: { sloDays?: number; turnDays?: number | null }): Promise<RetentionChange>;
  /**
   * Deletes (or with `dryRun` counts) what the policy expires, in batches of PRUNE_BATCH rows: SLO
   * minutes, history and resolved alerts, and turn records (sessions keep their current state). The
   * audit log is never touched except to record, as one `retention.pruned` entry, what was removed.
   * `by` undefined: the server's own timer (`system`).
   */
  prune(by: Principal | undefined, options?: { dryRun?: boolean }): Promise<PruneReport>;
  /** Starts the server's prune timer (unref'd): once soon after start, then every interval. */
  start(): void;
  /** Stops the timer and waits for a prune in flight. */
  close(): Promise<void>;
}

export interface RetentionServiceDeps {
  database: Database;
  store: RetentionStore;
  audit: AuditLogger;
  rateLimiter: { enforceChangeRate(trx: Executor, actor: string): Promise<void> };
  /** What applies while nothing is stored: SLO_RETENTION_DAYS and AWF_TURN_RETENTION_DAYS. */
  defaults: RetentionPolicy;
  /** The timer's interval; 0: no timer. */
  intervalMs: number;
  clock?: () => Date;
  log?: (line: string) => void;
}

const DAY_MS = 86_400_000;
const TABLES: readonly RetentionTable[] = ['sloMinutes', 'sloHistory', 'sloAlerts', 'feedback', 'turns'];
/** The timer's first prune waits this long, so start-up is not slowed by it. */
const FIRST_PRUNE_DELAY_MS = 5_000;

/** Checks a number of days for `what` (`sloDays` / `turnDays`), naming the accepted range. */
export function assertRetentionDays(what: 'sloDays' | 'turnDays', days: unknown): void {
  const min = what === 'sloDays' ? MIN_SLO_RETENTION_DAYS : 1;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < min || days > MAX_RETENTION_DAYS) {
    const why = what === 'sloDays' ? ' (the 7d SLO window needs seven days)' : '';
    throw new InvalidInputError(
      `${what} must be an integer from ${min} to ${MAX_RETENTION_DAYS}${why}, got ${JSON.stringify(days)}`,
    );
  }
}

/** Data retention: the stored policy, its audited changes, and the pruning that enforces it. */
export function createRetentionService(deps: RetentionServiceDeps): RetentionService {
  const { database, store, audit, rateLimiter, defaults } = deps;
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? ((line: string) => console.log(line));
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  let isClosed = false;

  const requirePermission = (by: Principal, permission: Permission): void => {
    if (!can(by.role, permission)) throw new ForbiddenError(by.actor, by.role, permission);
  };

  const statusOf = async (db: Executor): Promise<RetentionStatus> => {
    const stored = await store.readPolicy(db);
    return {
      sloDays: {
        value: stored.sloDays ?? defaults.sloDays,
        source: stored.sloDays === null ? 'config' : 'store',
        variable: 'SLO_RETENTION_DAYS',
      },
      turnDays: {
        value: stored.turnDays === null ? defaults.turnDays : stored.turnDays === 0 ? null : stored.turnDays,
        source: stored.turnDays === null ? 'config' : 'store',
        variable: 'AWF_TURN_RETENTION_DAYS',
      },
      auditLog: 'kept forever',
      updatedAt: stored.updatedAt,
      updatedBy: stored.updatedBy,
    };
  };
  const policyOf = (status: RetentionStatus): RetentionPolicy => ({
    sloDays: status.sloDays.value,
    turnDays: status.turnDays.value,
  });

  const cutoffsOf = (policy: RetentionPolicy, now: number): RetentionCutoffs => ({
    sloBeforeMinute: Math.floor((now - policy.sloDays * DAY_MS) / 60_000),
    turnsBefore: policy.turnDays === null ? null : new Date(now - policy.turnDays * DAY_MS).toISOString(),
  });

  const prune = async (
    by: Principal | undefined,
    options: { dryRun?: boolean } = {},
  ): Promise<PruneReport> => {
    if (by) requirePermission(by, options.dryRun ? 'retention.read' : 'retention.manage');
    const policy = policyOf(await statusOf(database.db));
    const cutoffs = cutoffsOf(policy, clock().getTime());
    if (options.dryRun) {
      return { dryRun: true, policy, cutoffs, removed: await store.countExpired(database.db, cutoffs) };
    }
    if (by) {
      // A prune by hand is a change like any other: rate limited per actor (the entry comes after).
      await withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        await rateLimiter.enforceChangeRate(trx, by.actor);
      });
    }
    const removed: RetentionCounts = { sloMinutes: 0, sloHistory: 0, sloAlerts: 0, feedback: 0, turns: 0 };
    for (const table of TABLES) {
      for (;;) {
        const deleted = await withWriteTransaction(database, (trx) =>
          store.deleteExpiredBatch(trx, table, cutoffs, PRUNE_BATCH),
        );
        removed[table] += deleted;
        if (deleted === 0 || table === 'sloAlerts' || table === 'feedback') break;
      }
    }
    const total = TABLES.reduce((sum, table) => sum + removed[table], 0);
    if (total === 0) return { dryRun: false, policy, cutoffs, removed };
    const entry = await audit.append({
      actor: by?.actor ?? 'system',
      action: 'retention.pruned',
      entity: 'retention',
      details: { policy, cutoffs, removed },
    });
    log(
      `retention: removed ${removed.sloMinutes} SLO minute rows, ${removed.sloHistory} SLO history points, ` +
        `${removed.sloAlerts} resolved alerts, ${removed.feedback} player ratings (before ${new Date(cutoffs.sloBeforeMinute * 60_000).toISOString()}) ` +
        `and ${removed.turns} turn records (${cutoffs.turnsBefore ? `before ${cutoffs.turnsBefore}` : 'turns kept forever'}); audit #${entry.seq}`,
    );
    return { dryRun: false, policy, cutoffs, removed, auditSeq: entry.seq };
  };

  const runTimer = (): void => {
    const run = prune(undefined).catch((error: unknown) => {
      log(`retention: prune failed, retrying at the next interval: ${(error as Error).message}`);
    });
    inFlight = run;
  };

  return {
    async status(by) {
      requirePermission(by, 'retention.read');
      return statusOf(database.db);
    },

    async set(by, input) {
      requirePermission(by, 'retention.manage');
      if (input.sloDays === undefined && input.turnDays === undefined) {
        throw new InvalidInputError('give sloDays, turnDays or both');
      }
      if (input.sloDays !== undefined) assertRetentionDays('sloDays', input.sloDays);
      if (input.turnDays !== undefined && input.turnDays !== null)
        assertRetentionDays('turnDays', input.turnDays);
      return withWriteTransaction(database, async (trx) => {
        await audit.lockForAppend(trx);
        await rateLimiter.enforceChangeRate(trx, by.actor);
        const previous = policyOf(await statusOf(trx));
        const next: RetentionPolicy = {
          sloDays: input.sloDays ?? previous.sloDays,
          turnDays: input.turnDays === undefined ? previous.turnDays : input.turnDays,
        };
        await store.writePolicy(
          trx,
          {
            ...(input.sloDays !== undefined ? { sloDays: input.sloDays } : {}),
            ...(input.turnDays !== undefined ? { turnDays: input.turnDays ?? 0 } : {}),
          },
          by.actor,
          clock().toISOString(),
        );
        const entry = await audit.appendInTransaction(trx, {
          actor: by.actor,
          action: 'retention.set',
          entity: 'retention',
          details: { previous, new: next },
        });
        return { previous, new: next, auditSeq: entry.seq };
      });
    },

    prune,

    start() {
      if (timer || isClosed || deps.intervalMs <= 0) return;
      timer = setTimeout(
        function tick() {
          runTimer();
          timer = setTimeout(tick, deps.intervalMs);
          timer.unref();
        },
        Math.min(FIRST_PRUNE_DELAY_MS, deps.intervalMs),
      );
      timer.unref();
    },

    async close() {
      isClosed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
