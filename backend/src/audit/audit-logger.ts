import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import { parseConfig } from '../config/config.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { InvalidInputError } from '../shared/errors.js';
import { createProcessSlot, type ProcessSlot } from '../shared/process-slot.js';
import { type Database, openDatabase } from '../store/database.js';
import { sql } from '../store/kysely-runtime.js';
import type { AuditLogTable, DatabaseSchema } from '../store/schema.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import { canonicalEntryText, entryHash, GENESIS_HASH, normalizeDetails } from './audit-chain.js';
import {
  type AuditCheckpoint,
  type CheckpointSigner,
  checkpointSigningText,
  isCheckpointSignatureValid,
} from './audit-checkpoints.js';
import type { AuditAppender, AuditEntry, AuditEvent } from './audit-types.js';

type Executor = Transaction<DatabaseSchema> | Kysely<DatabaseSchema>;

/** Filters for reading the log; all optional and combined with AND. */
export interface AuditQuery {
  actor?: string;
  /** Exact action, or a prefix when it ends with `*` (e.g. `rollout.*`). */
  action?: string;
  /** Exact entity, or a prefix when it ends with `*` (e.g. `user:*`). */
  entity?: string;
  /** ISO 8601, inclusive. */
  since?: string;
  /** ISO 8601, exclusive. */
  until?: string;
  /** Only entries with a greater seq (paging). */
  afterSeq?: number;
  limit?: number;
  /** `desc` (newest first) by default. */
  order?: 'asc' | 'desc';
}

/** Why verification stopped; the first bad row is named by seq. */
export type AuditFailureReason =
  | 'SEQ_GAP'
  | 'PREV_MISMATCH'
  | 'CONTENT_MISMATCH'
  | 'HASH_MISMATCH'
  | 'CHECKPOINT_MISMATCH'
  | 'CHECKPOINT_MISSING'
  | 'CHECKPOINT_UNSIGNED'
  | 'CHECKPOINT_SIGNATURE_INVALID'
  | 'TAIL_TRUNCATED';

export interface AuditVerification {
  ok: boolean;
  /** Entries read in seq order (up to the first bad one). */
  entries: number;
  head: { seq: number; hash: string } | null;
  checkpoints: {
    checked: number;
    signed: number;
    /**
     * What signatures were checked against: `trusted_key` (the given key, else the configured signing
     * key's public half) or `embedded_key` — only the key each checkpoint carries, which anyone who
     * rewrites the log and its checkpoints can re-sign with: the signatures then prove nothing.
     */
    verifiedWith: 'trusted_key' | 'embedded_key';
  };
  firstBad: { seq: number; reason: AuditFailureReason; message: string } | null;
}

export interface VerifyOptions {
  /** Checkpoints held elsewhere (an export), checked besides the stored ones. */
  checkpoints?: readonly AuditCheckpoint[];
  /** The key signatures must verify with; defaults to the configured signing key. */
  trustedKey?: KeyObject;
  /**
   * Every N-th entry must have a checkpoint (CHECKPOINT_MISSING otherwise); defaults to the configured
   * AWF_AUDIT_CHECKPOINT_EVERY; 0 expects none.
   */
  checkpointEvery?: number;
}

/** The seed's query API (`getAuditLogger()`), all asynchronous since entries live in the store. */
export interface AuditQueries {
  /** Newest first. */
  getRecentLogs(limit?: number): Promise<AuditEntry[]>;
  getLogsByActor(actor: string, limit?: number): Promise<AuditEntry[]>;
  /** Global flag and percentage changes (`rollout.*`), newest first. */
  getFlagChangeLogs(limit?: number): Promise<AuditEntry[]>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
  verify(options?: VerifyOptions): Promise<AuditVerification>;
}

/** The append-only, hash-chained audit log (DESIGN §4). */
export interface AuditLogger extends AuditAppender, AuditQueries {
  /**
   * Takes the append lock in the caller's write transaction (`DialectAdapter.lockForTransaction`:
   * PostgreSQL needs it across instances; SQLite's write transaction already holds it). A service calls it first
   * when what it reads before appending (previous values, a rate-limit count) must not race.
   */
  lockForAppend(trx: Executor): Promise<void>;
  /** Appends in a write transaction of its own, for an event that records no other change. */
  append(event: AuditEvent): Promise<AuditEntry>;
  /** Entries by `actor` created at or after `since`, not counting the given actions. */
  countByActorSince(
    trx: Executor,
    actor: string,
    since: string,
    excludeActions?: readonly string[],
  ): Promise<number>;
  /** Oldest `created_at` among those entries, for a retry-after hint. */
  oldestByActorSince(
    trx: Executor,
    actor: string,
    since: string,
    excludeActions?: readonly string[],
  ): Promise<string | undefined>;
  head(): Promise<{ seq: number; hash: string } | null>;
  /** Every matching entry, oldest first, one JSON object per line (no trailing newline per item). */
  exportNdjson(query?: Omit<AuditQuery, 'order' | 'limit' | 'afterSeq'>): AsyncGenerator<string>;
  /** Records (and signs, when a key is configured) a checkpoint of the current head. */
  createCheckpoint(createdBy: string): Promise<AuditCheckpoint>;
  /** A checkpoint of the head when entries were appended after the last checkpoint; null otherwise. */
  checkpointIfBehind(createdBy: string): Promise<AuditCheckpoint | null>;
  /** Stored checkpoints, oldest first; only those above `afterSeq` when given. */
  listCheckpoints(afterSeq?: number): Promise<AuditCheckpoint[]>;
}

export interface AuditLoggerDeps {
  database: Database;
  clock?: () => Date;
  /** Write a checkpoint with every N-th entry; 0 or undefined: only on demand. */
  checkpointEvery?: number;
  signer?: CheckpointSigner;
  newId?: () => string;
  /** Called when a checkpoint row was inserted (it commits with its transaction, or not at all). */
  onCheckpoint?: () => void;
}

/** An arbitrary constant: the lock key every appender on one database agrees on. */
const APPEND_LOCK_KEY = 7415920231n;
const PAGE = 1000;

/** The audit logger over the store; appends are serialized so the chain stays linear. */
export function createAuditLogger(deps: AuditLoggerDeps): AuditLogger {
  const { database, signer } = deps;
  const { db } = database;
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const checkpointEvery = deps.checkpointEvery ?? 0;

  const lockForAppend = (trx: Executor): Promise<void> =>
    database.adapter.lockForTransaction(trx, APPEND_LOCK_KEY);

  const readHead = async (trx: Executor) => {
    const row = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  };

  const insertCheckpoint = async (
    trx: Executor,
    head: { seq: number; hash: string },
    createdBy: string,
  ): Promise<AuditCheckpoint> => {
    // Under the append lock: nobody else inserts a checkpoint between this read and the insert. An
    // insert over an existing seq is refused by a trigger (migration 007), so look first.
    const existing = await trx
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('seq', '=', head.seq)
      .executeTakeFirst();
    if (existing) return toCheckpoint(existing);
    const createdAt = clock().toISOString();
    const checkpoint: AuditCheckpoint = {
      seq: head.seq,
      hash: head.hash,
      createdAt,
      createdBy,
      publicKey: signer?.publicKeyBase64 ?? null,
      signature: signer ? signer.sign(checkpointSigningText({ ...head, createdAt })) : null,
    };
    await trx
      .insertInto('audit_checkpoints')
      .values({
        seq: checkpoint.seq,
        hash: checkpoint.hash,
        created_at: checkpoint.createdAt,
        created_by: checkpoint.createdBy,
        public_key: checkpoint.publicKey,
        signature: checkpoint.signature,
      })
      .execute();
    deps.onCheckpoint?.();
    return checkpoint;
  };

  const appendInTransaction = async (trx: Executor, event: AuditEvent): Promise<AuditEntry> => {
    assertEvent(event);
    const details = normalizeDetails(event.details);
    await lockForAppend(trx);
    const head = await readHead(trx);
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const entry = {
      seq,
      id: newId(),
      actor: event.actor,
      action: event.action,
      entity: event.entity,
      details,
      createdAt: clock().toISOString(),
    };
    const canonical = canonicalEntryText(entry);
    const hash = entryHash(prevHash, canonical);
    await trx
      .insertInto('audit_log')
      .values({
        seq,
        id: entry.id,
        actor: entry.actor,
        action: entry.action,
        entity: entry.entity,
        // Byte-identical to the details member inside the hashed text.
        details: canonicalJson(details),
        created_at: entry.createdAt,
        prev_hash: prevHash,
        hash,
        canonical,
      })
      .execute();
    if (checkpointEvery > 0 && seq % checkpointEvery === 0) {
      await insertCheckpoint(trx, { seq, hash }, 'system');
    }
    return { ...entry, prevHash, hash };
  };

  const query = async (q: AuditQuery): Promise<AuditEntry[]> => {
    let select = db.selectFrom('audit_log').selectAll();
    if (q.actor !== undefined) select = select.where('actor', '=', q.actor);
    if (q.action !== undefined) select = select.where(exactOrPrefix('action', q.action));
    if (q.entity !== undefined) select = select.where(exactOrPrefix('entity', q.entity));
    if (q.since !== undefined) select = select.where('created_at', '>=', q.since);
    if (q.until !== undefined) select = select.where('created_at', '<', q.until);
    if (q.afterSeq !== undefined) select = select.where('seq', '>', q.afterSeq);
    select = select.orderBy('seq', q.order ?? 'desc');
    if (q.limit !== undefined) select = select.limit(q.limit);
    return (await select.execute()).map(toEntry);
  };

  const countQuery = (trx: Executor, actor: string, since: string, excludeActions: readonly string[]) => {
    let select = trx.selectFrom('audit_log').where('actor', '=', actor).where('created_at', '>=', since);
    if (excludeActions.length > 0) select = select.where('action', 'not in', [...excludeActions]);
    return select;
  };

  const listCheckpoints = async (afterSeq = 0): Promise<AuditCheckpoint[]> =>
    (
      await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq', 'asc')
        .execute()
    ).map(toCheckpoint);

  return {
    lockForAppend,
    appendInTransaction,
    append: (event) => withWriteTransaction(database, (trx) => appendInTransaction(trx, event)),

    async countByActorSince(trx, actor, since, excludeActions = []) {
      const row = await countQuery(trx, actor, since, excludeActions)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async oldestByActorSince(trx, actor, since, excludeActions = []) {
      const row = await countQuery(trx, actor, since, excludeActions)
        .select((eb) => eb.fn.min('created_at').as('oldest'))
        .executeTakeFirst();
      return (row?.oldest as string | null | undefined) ?? undefined;
    },

    head: () => readHead(db),
    query,
    getRecentLogs: (limit = 50) => query({ limit }),
    getLogsByActor: (actor, limit = 50) => query({ actor, limit }),
    getFlagChangeLogs: (limit = 50) => query({ action: 'rollout.*', limit }),

    async *exportNdjson(filter = {}) {
      let afterSeq = 0;
      for (;;) {
        const page = await query({ ...filter, afterSeq, order: 'asc', limit: PAGE });
        for (const entry of page) yield JSON.stringify(entry);
        if (page.length < PAGE) return;
        afterSeq = (page[page.length - 1] as AuditEntry).seq;
      }
    },

    async createCheckpoint(createdBy) {
      return withWriteTransaction(database, async (trx) => {
        await lockForAppend(trx);
        const head = await readHead(trx);
        if (!head) throw new InvalidInputError('the audit log is empty: there is no head to checkpoint');
        return insertCheckpoint(trx, head, createdBy);
      });
    },

    async checkpointIfBehind(createdBy) {
      return withWriteTransaction(database, async (trx) => {
        await lockForAppend(trx);
        const head = await readHead(trx);
        if (!head) return null;
        const last = await trx
          .selectFrom('audit_checkpoints')
          .select('seq')
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (last && Number(last.seq) >= head.seq) return null;
        return insertCheckpoint(trx, head, createdBy);
      });
    },

    listCheckpoints: (afterSeq) => listCheckpoints(afterSeq),

    async verify(options = {}) {
      const trustedKey = options.trustedKey ?? signer?.publicKey;
      const every = options.checkpointEvery ?? checkpointEvery;
      const checkpoints = [...(await listCheckpoints()), ...(options.checkpoints ?? [])].sort(
        (a, b) => a.seq - b.seq,
      );
      const wanted = new Set(checkpoints.map((checkpoint) => checkpoint.seq));
      const hashAt = new Map<number, string>();
      let chainBad: AuditVerification['firstBad'] = null;
      let expectedSeq = 1;
      let prevHash = GENESIS_HASH;
      let entries = 0;
      let afterSeq = 0;
      scan: for (;;) {
        const rows = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', '>', afterSeq)
          .orderBy('seq', 'asc')
          .limit(PAGE)
          .execute();
        for (const row of rows) {
          const problem = checkRow(row, expectedSeq, prevHash);
          if (problem) {
            chainBad = problem;
            break scan;
          }
          entries += 1;
          if (wanted.has(expectedSeq)) hashAt.set(expectedSeq, row.hash);
          prevHash = row.hash;
          expectedSeq += 1;
        }
        if (rows.length < PAGE) break;
        afterSeq = Number((rows[rows.length - 1] as (typeof rows)[number]).seq);
      }
      const headSeq = expectedSeq - 1;
      const head = headSeq > 0 ? { seq: headSeq, hash: prevHash } : null;
      let checked = 0;
      let signed = 0;
      let checkpointBad: AuditVerification['firstBad'] = null;
      const stop = chainBad ? chainBad.seq : Number.POSITIVE_INFINITY;
      // The checkpoints AWF_AUDIT_CHECKPOINT_EVERY implies, up to the last good entry: one deleted (or
      // never written) is what a forger who recomputed the chain from there on leaves behind.
      const present = new Set(checkpoints.map((checkpoint) => checkpoint.seq));
      let expected = every > 0 ? every : Number.POSITIVE_INFINITY;
      const nextMissing = (below: number): number | undefined => {
        while (expected <= headSeq && expected < below) {
          const seq = expected;
          expected += every;
          if (!present.has(seq)) return seq;
        }
        return undefined;
      };
      const missing = (seq: number): AuditVerification['firstBad'] => ({
        seq,
        reason: 'CHECKPOINT_MISSING',
        message: `entry ${seq} has no checkpoint, but AWF_AUDIT_CHECKPOINT_EVERY=${every} implies one (deleted, or the chain was rewritten from there on)`,
      });
      for (const checkpoint of checkpoints) {
        const gap = nextMissing(Math.min(checkpoint.seq, stop));
        if (gap !== undefined) {
          checkpointBad = missing(gap);
          break;
        }
        if (checkpoint.seq >= stop) break;
        if (checkpoint.seq > headSeq) {
          checkpointBad = {
            seq: headSeq + 1,
            reason: 'TAIL_TRUNCATED',
            message: `a checkpoint vouches for entry ${checkpoint.seq} but the log ends at ${headSeq}`,
          };
          break;
        }
        checked += 1;
        if (hashAt.get(checkpoint.seq) !== checkpoint.hash) {
          checkpointBad = {
            seq: checkpoint.seq,
            reason: 'CHECKPOINT_MISMATCH',
            message: `entry ${checkpoint.seq} has hash ${hashAt.get(checkpoint.seq)}, its checkpoint says ${checkpoint.hash}`,
          };
          break;
        }
        if (checkpoint.signature === null && trustedKey) {
          // With a trusted key every checkpoint must carry its signature: an unsigned one is what a
          // forger without the key leaves.
          checkpointBad = {
            seq: checkpoint.seq,
            reason: 'CHECKPOINT_UNSIGNED',
            message: `the checkpoint of entry ${checkpoint.seq} is unsigned, but a trusted key is known`,
          };
          break;
        }
        if (checkpoint.signature !== null) {
          signed += 1;
          if (!isCheckpointSignatureValid(checkpoint, trustedKey)) {
            checkpointBad = {
              seq: checkpoint.seq,
              reason: 'CHECKPOINT_SIGNATURE_INVALID',
              message: `the checkpoint of entry ${checkpoint.seq} has a signature that does not verify${trustedKey ? ' with the trusted key' : ''}`,
            };
            break;
          }
        }
      }
      if (!checkpointBad) {
        const gap = nextMissing(stop);
        if (gap !== undefined) checkpointBad = missing(gap);
      }
      const firstBad = checkpointBad ?? chainBad;
      return {
        ok: firstBad === null,
        entries,
        head,
        checkpoints: { checked, signed, verifiedWith: trustedKey ? 'trusted_key' : 'embedded_key' },
        firstBad,
      };
    },
  };
}

/** The first problem of one row given the chain so far, or null. */
function checkRow(
  row: Selectable<AuditLogTable>,
  expectedSeq: number,
  prevHash: string,
): AuditVerification['firstBad'] {
  const seq = Number(row.seq);
  if (seq !== expectedSeq) {
    return {
      seq: expectedSeq,
      reason: 'SEQ_GAP',
      message: `entry ${expectedSeq} is missing (the next stored entry is ${seq})`,
    };
  }
  if (row.prev_hash !== prevHash) {
    return {
      seq,
      reason: 'PREV_MISMATCH',
      message: `entry ${seq} names ${row.prev_hash} as previous hash, the previous entry's hash is ${prevHash}`,
    };
  }
  let fromColumns: string | undefined;
  try {
    fromColumns = canonicalEntryText({
      seq,
      id: row.id,
      actor: row.actor,
      action: row.action,
      entity: row.entity,
      details: JSON.parse(row.details) as Record<string, unknown>,
      createdAt: row.created_at,
    });
  } catch {
    fromColumns = undefined;
  }
  if (fromColumns !== row.canonical) {
    return {
      seq,
      reason: 'CONTENT_MISMATCH',
      message: `entry ${seq}'s columns differ from the text its hash covers`,
    };
  }
  if (entryHash(row.prev_hash, row.canonical) !== row.hash) {
    return { seq, reason: 'HASH_MISMATCH', message: `entry ${seq}'s hash does not match its content` };
  }
  return null;
}

function assertEvent(event: AuditEvent): void {
  for (const field of ['actor', 'action', 'entity'] as const) {
    const value = event[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw new TypeError(`audit event ${field} must be a non-empty string of at most 200 characters`);
    }
  }
}

/** Exact match, or a prefix match when `value` ends with `*`. */
function exactOrPrefix(column: 'action' | 'entity', value: string) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'audit_log'>) => {
    if (!value.endsWith('*')) return eb(column, '=', value);
    const prefix = value.slice(0, -1);
    // substr compare instead of LIKE: no wildcard escaping, and case-sensitive on SQLite as on PostgreSQL.
    return eb(sql<string>`substr(${sql.ref(column)}, 1, ${prefix.length})`, '=', prefix);
  };
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    actor: row.actor,
    action: row.action,
    entity: row.entity,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toCheckpoint(row: {
  seq: number | string;
  hash: string;
  created_at: string;
  created_by: string;
  public_key: string | null;
  signature: string | null;
}): AuditCheckpoint {
  return {
    seq: Number(row.seq),
    hash: row.hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    publicKey: row.public_key,
    signature: row.signature,
  };
}

/**
 * The process's audit logger, filled by the composition root; in a process that wired none (a one-off
 * script) the configured store (DATABASE_URL / AWF_DB_PATH) is opened on first use.
 */
export const processAuditLogger: ProcessSlot<AuditQueries> = createProcessSlot(() => {
  let lazy: Promise<AuditLogger> | undefined;
  const logger = (): Promise<AuditLogger> => {
    lazy ??= openDatabase(parseConfig(process.env).store).then((database) => createAuditLogger({ database }));
    return lazy;
  };
  return {
    getRecentLogs: async (limit) => (await logger()).getRecentLogs(limit),
    getLogsByActor: async (actor, limit) => (await logger()).getLogsByActor(actor, limit),
    getFlagChangeLogs: async (limit) => (await logger()).getFlagChangeLogs(limit),
    query: async (q) => (await logger()).query(q),
    verify: async (options) => (await logger()).verify(options),
  };
});

/** The seed's accessor: the wired process logger, or one over the configured store. */
export function getAuditLogger(): AuditQueries {
  return processAuditLogger.get();
}
