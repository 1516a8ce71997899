import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';

/** What a service says happened; the logger adds seq, id, time and the chain hashes (DESIGN §4). */
export interface AuditEvent {
  /** The authenticated actor's name, or `system` for the process itself (SLO alerts). */
  actor: string;
  /** Dotted action, e.g. `rollout.percent.set`, `override.set`, `slo.alert.fired`, `auth.denied`. */
  action: string;
  /** What changed, e.g. `rollout`, `user:user-123`, `session:session-456`, `slo:fallback_rate`. */
  entity: string;
  /** Previous and new values and anything else worth keeping. Never a secret. */
  details: Record<string, unknown>;
}

/** One stored, chained entry. */
export interface AuditEntry extends AuditEvent {
  seq: number;
  id: string;
  createdAt: string;
  prevHash: string;
  hash: string;
}

/**
 * Appends an event inside the caller's transaction, so the change and its entry commit together or
 * not at all. Implemented by the audit logger; other capabilities depend on this interface only.
 */
export interface AuditAppender {
  appendInTransaction(
    trx: Transaction<DatabaseSchema> | Kysely<DatabaseSchema>,
    event: AuditEvent,
  ): Promise<AuditEntry>;
}
