import type { Database } from '../../store/database.js';
import { withWriteTransaction } from '../../store/write-transaction.js';
import type { EvaluationRecorder } from './ofrep-evaluation.js';

const MINUTE_MS = 60_000;

/** Evaluations of one flag variant in one minute (`minute` = epoch ms / 60 000, floored). */
export interface EvaluationMinute {
  minute: number;
  flagKey: string;
  variant: string;
  evaluations: number;
}

/** Evaluations since a time, merged over every instance sharing the store. */
export interface EvaluationCounts {
  since: string;
  /** flag → variant → evaluations. */
  flags: Record<string, Record<string, number>>;
  /** Per minute, oldest first (instances summed). */
  minutes: EvaluationMinute[];
}

/**
 * Flag evaluations counted per minute, flag and variant in memory and added to the store's
 * `flag_evaluation_minutes` row of this instance on flush (an upsert that adds, so processes sharing an
 * instance id add up too): storage grows with minutes × instances × variants, never with evaluations.
 */
export interface EvaluationCounter extends EvaluationRecorder {
  /** Writes what is pending; a failed write keeps it pending for the next flush. */
  flush(): Promise<void>;
  /** Flushes, then reads the merged counts since `since`. */
  read(since: Date): Promise<EvaluationCounts>;
  /** Starts the flush timer (unref'd); idempotent. */
  start(): void;
  /** Stops the timer and flushes what is pending. */
  close(): Promise<void>;
}

export interface EvaluationCounterDeps {
  database: Database;
  instanceId: string;
  /** 0: pending counts are written only on read and close. */
  flushIntervalMs: number;
  /** Rows older than this many days are deleted on flush (at most hourly). */
  retentionDays: number;
  now?: () => number;
  warn?: (message: string) => void;
}

const PRUNE_EVERY_MS = 60 * MINUTE_MS;

export function createEvaluationCounter(deps: EvaluationCounterDeps): EvaluationCounter {
  const { database, instanceId } = deps;
  const { db } = database;
  const now = deps.now ?? Date.now;
  const warn = deps.warn ?? ((message: string) => console.warn(message));
  let pending = new Map<string, EvaluationMinute>();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let lastPrune = 0;

  const write = async (): Promise<void> => {
    if (pending.size === 0) return;
    const drained = [...pending.values()];
    pending = new Map();
    const updatedAt = new Date(now()).toISOString();
    try {
      await withWriteTransaction(database, async (trx) => {
        for (const row of drained) {
          await trx
            .insertInto('flag_evaluation_minutes')
            .values({
              minute: row.minute,
              instance_id: instanceId,
              flag_key: row.flagKey,
              variant: row.variant,
              evaluations: row.evaluations,
              updated_at: updatedAt,
            })
            .onConflict((conflict) =>
              conflict.columns(['minute', 'instance_id', 'flag_key', 'variant']).doUpdateSet((eb) => ({
                evaluations: eb('flag_evaluation_minutes.evaluations', '+', eb.ref('excluded.evaluations')),
                updated_at: updatedAt,
              })),
            )
            .execute();
        }
      });
    } catch (error) {
      for (const row of drained) add(row.minute, row.flagKey, row.variant, row.evaluations);
      throw error;
    }
    if (now() - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now();
      const before = Math.floor(now() / MINUTE_MS) - deps.retentionDays * 24 * 60;
      await db.deleteFrom('flag_evaluation_minutes').where('minute', '<', before).execute();
    }
  };

  const add = (minute: number, flagKey: string, variant: string, evaluations: number): void => {
    const key = `${minute}\u0000${flagKey}\u0000${variant}`;
    const row = pending.get(key);
    if (row) row.evaluations += evaluations;
    else pending.set(key, { minute, flagKey, variant, evaluations });
  };

  // One flush at a time, in order.
  const flush = (): Promise<void> => {
    const run = chain.then(write);
    chain = run.catch(() => {});
    return run;
  };

  return {
    record(flagKey, variant) {
      add(Math.floor(now() / MINUTE_MS), flagKey, variant, 1);
    },
    flush,
    async read(since) {
      await flush();
      const rows = await db
        .selectFrom('flag_evaluation_minutes')
        .select(['minute', 'flag_key', 'variant'])
        .select((eb) => eb.fn.sum<number | string>('evaluations').as('evaluations'))
        .where('minute', '>=', Math.floor(since.getTime() / MINUTE_MS))
        .groupBy(['minute', 'flag_key', 'variant'])
        .orderBy('minute')
        .orderBy('flag_key')
        .orderBy('variant')
        .execute();
      const flags: EvaluationCounts['flags'] = {};
      const minutes = rows.map((row) => {
        const evaluations = Number(row.evaluations);
        const variants = flags[row.flag_key] ?? {};
        variants[row.variant] = (variants[row.variant] ?? 0) + evaluations;
        flags[row.flag_key] = variants;
        return { minute: row.minute, flagKey: row.flag_key, variant: row.variant, evaluations };
      });
      return { since: since.toISOString(), flags, minutes };
    },
    start() {
      if (timer || deps.flushIntervalMs <= 0) return;
      timer = setInterval(() => {
        flush().catch((error: unknown) =>
          warn(`flag evaluation counts flush failed (will retry): ${(error as Error).message}`),
        );
      }, deps.flushIntervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
