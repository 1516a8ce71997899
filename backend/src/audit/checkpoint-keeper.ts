import type { AuditCheckpoint } from './audit-checkpoints.js';
import type { AuditWitness } from './audit-witness.js';

/** Where the keeper reports a failure; the process passes console or a pino logger. */
export interface KeeperLog {
  error(message: string): void;
}

/** What the keeper needs from the audit logger. */
export interface CheckpointSource {
  /** Checkpoints with a seq above `afterSeq`, oldest first (committed ones only: it reads the store). */
  listCheckpoints(afterSeq?: number): Promise<AuditCheckpoint[]>;
  /** A checkpoint of the head when entries were appended after the last one; null otherwise. */
  checkpointIfBehind(createdBy: string): Promise<AuditCheckpoint | null>;
}

export interface CheckpointKeeperDeps {
  source: CheckpointSource;
  /** AWF_AUDIT_CHECKPOINT_INTERVAL_S: a checkpoint this often when there are new entries; 0: never. */
  intervalSec: number;
  witness?: AuditWitness | undefined;
  log?: KeeperLog;
}

export interface WitnessStatus {
  target: string | null;
  /** The highest checkpoint seq written to the witness by this process (or found there). */
  lastSeq: number;
  /** Failed witness writes since the process started. */
  failures: number;
  lastError: string | null;
}

/**
 * Shrinks the unprotected tail of the audit log: a checkpoint on a timer whenever entries were
 * appended since the last one, and a copy of every committed checkpoint in the witness. The copy is
 * read back from the store, so a checkpoint whose transaction rolled back is never witnessed, and one
 * made by another process sharing the store (a script) is witnessed too. A failing witness write is
 * logged and counted and retried on the next round; it never blocks or fails the change.
 */
export interface CheckpointKeeper {
  /** Starts the interval checkpoint and the witness timers (the server; scripts do not). */
  start(): void;
  /** Copies committed checkpoints not yet in the witness; never throws. */
  flushWitness(): Promise<void>;
  /** Notes that this process made a checkpoint, so close() copies it even without timers. */
  noteCheckpoint(): void;
  /** The interval tick: a checkpoint when behind, then a witness flush; never throws. */
  tick(): Promise<void>;
  witnessStatus(): WitnessStatus;
  /** Stops the timers and makes a last witness flush. */
  close(): Promise<void>;
}

/** How often the server copies new checkpoints to the witness. */
export const WITNESS_FLUSH_MS = 1000;

export function createCheckpointKeeper(deps: CheckpointKeeperDeps): CheckpointKeeper {
  const { source, witness, intervalSec } = deps;
  const log = deps.log ?? { error: (message: string) => console.error(message) };
  const status: WitnessStatus = { target: witness?.target ?? null, lastSeq: 0, failures: 0, lastError: null };
  let known = false;
  let dirty = false;
  let started = false;
  let chain: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];

  const copy = async (): Promise<void> => {
    if (!witness) return;
    try {
      if (!known) {
        status.lastSeq = await witness.lastSeq();
        known = true;
      }
      const pending = await source.listCheckpoints(status.lastSeq);
      if (pending.length === 0) return;
      await witness.append(pending);
      status.lastSeq = (pending[pending.length - 1] as AuditCheckpoint).seq;
      dirty = false;
    } catch (error) {
      status.failures += 1;
      status.lastError = error instanceof Error ? error.message : String(error);
      log.error(
        `AUDIT WITNESS WRITE FAILED (${status.failures} failure(s) since start): checkpoints after #${status.lastSeq} were not copied to ${witness.target}: ${status.lastError}; the changes themselves are committed, the copy is retried`,
      );
    }
  };

  /** One copy at a time, so no checkpoint is written twice by this process. */
  const flushWitness = (): Promise<void> => {
    chain = chain.then(copy);
    return chain;
  };

  const tick = async (): Promise<void> => {
    try {
      if ((await source.checkpointIfBehind('system')) !== null) dirty = true;
    } catch (error) {
      log.error(`audit interval checkpoint failed (retried next interval): ${(error as Error).message}`);
    }
    await flushWitness();
  };

  return {
    start() {
      if (started) return;
      started = true;
      if (intervalSec > 0) timers.push(setInterval(() => void tick(), intervalSec * 1000));
      if (witness) timers.push(setInterval(() => void flushWitness(), WITNESS_FLUSH_MS));
      for (const timer of timers) timer.unref();
    },
    flushWitness,
    noteCheckpoint() {
      dirty = true;
    },
    tick,
    witnessStatus: () => ({ ...status }),
    async close() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      if (started || dirty) await flushWitness();
      else await chain;
    },
  };
}
