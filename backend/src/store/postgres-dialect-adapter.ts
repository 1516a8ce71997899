import type { Kysely } from 'kysely';
import { Client } from 'pg';
import type {
  ChannelListener,
  DialectAdapter,
  ListenOptions,
  SessionLock,
  TransactionLockKey,
} from './dialect-adapter.js';
import { sql } from './kysely-runtime.js';
import type { DatabaseSchema } from './schema.js';

/** PostgreSQL's `DialectAdapter`, plus closing every listener it opened (when the database closes). */
export interface PostgresDialectAdapter extends DialectAdapter {
  closeListeners(): Promise<void>;
}

const DEFAULT_RECONNECT_DELAY_MS = 500;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 5000;
const MIN_LOCK_KEY = -(2n ** 63n);
const MAX_LOCK_KEY = 2n ** 63n - 1n;

/**
 * PostgreSQL's side of the `DialectAdapter`: several instances share one database, so writers take
 * advisory and row locks, and changes are announced with NOTIFY to listeners on their own connections
 * (a pooled connection cannot LISTEN: it goes back to the pool). `url` is what those connections use.
 */
export function createPostgresDialectAdapter(
  db: Kysely<DatabaseSchema>,
  url: string,
): PostgresDialectAdapter {
  const listeners = new Set<ChannelListener>();
  const locks = new Set<SessionLock>();
  return {
    name: 'postgres',
    writeTransaction: (work) => db.transaction().execute(work),
    async lockForTransaction(trx, key) {
      if (!trx.isTransaction) {
        // Outside a transaction the lock would be released as soon as it is taken.
        throw new Error('a transaction lock on PostgreSQL needs a transaction: use withWriteTransaction');
      }
      await sql`select pg_advisory_xact_lock(${lockKeyText(key)}::bigint)`.execute(trx);
    },
    lockRowsForUpdate: (select) => select.forUpdate(),
    async notify(trx, channel, payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
    },
    listen(channel, onNotify, options = {}) {
      const listener = listenOnOwnConnection(url, channel, onNotify, options, () =>
        listeners.delete(listener),
      );
      listeners.add(listener);
      return listener;
    },
    async tryAcquireSessionLock(key) {
      const lock = await trySessionLock(url, lockKeyText(key));
      if (lock) {
        locks.add(lock);
        lock.onLost(() => locks.delete(lock));
      }
      return lock;
    },
    async closeListeners() {
      await Promise.all([...listeners].map((listener) => listener.close()));
      await Promise.all([...locks].map((lock) => lock.release()));
    },
  };
}

/**
 * A session advisory lock on its own connection: a pooled connection would go back to the pool with
 * the lock. The lock lives exactly as long as this connection, so a killed holder frees it at once.
 */
async function trySessionLock(url: string, key: string): Promise<SessionLock | undefined> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'awf-leader',
  });
  let isHeld = false;
  let lostCallbacks: Array<(error: unknown) => void> = [];
  const lose = (error: unknown) => {
    if (!isHeld) return;
    isHeld = false;
    client.end().catch(() => {});
    const callbacks = lostCallbacks;
    lostCallbacks = [];
    for (const callback of callbacks) callback(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the leader lock connection ended')));
  try {
    await client.connect();
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1::bigint) as locked',
      [key],
    );
    if (result.rows[0]?.locked !== true) {
      await client.end().catch(() => {});
      return undefined;
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  isHeld = true;
  return {
    isHeld: () => isHeld,
    onLost(callback) {
      if (isHeld) lostCallbacks.push(callback);
    },
    async release() {
      if (!isHeld) return;
      isHeld = false;
      lostCallbacks = [];
      await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

function lockKeyText(key: TransactionLockKey): string {
  if (key < MIN_LOCK_KEY || key > MAX_LOCK_KEY)
    throw new RangeError(`lock key ${key} is not a 64-bit integer`);
  return key.toString();
}

function listenOnOwnConnection(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions,
  onClosed: () => void,
): ChannelListener {
  const firstDelay = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
  const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  let delay = firstDelay;
  let client: Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let isClosed = false;

  const scheduleReconnect = () => {
    if (isClosed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
    reconnectTimer.unref();
    delay = Math.min(delay * 2, maxDelay);
  };

  const connect = async (): Promise<void> => {
    if (isClosed) return;
    const attempt = new Client({
      connectionString: url,
      connectionTimeoutMillis: 10_000,
      application_name: `awf-listen:${channel}`,
    });
    client = attempt;
    let hasFailed = false;
    const fail = (error: unknown) => {
      if (hasFailed) return;
      hasFailed = true;
      if (client === attempt) client = undefined;
      attempt.end().catch(() => {});
      if (isClosed) return;
      options.onError?.(error);
      scheduleReconnect();
    };
    // A dropped connection emits 'error' (and then 'end'); without a handler it would crash the process.
    attempt.on('error', fail);
    attempt.on('end', () => fail(new Error(`listen connection for ${channel} ended`)));
    attempt.on('notification', (message) => {
      if (!isClosed && message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await attempt.connect();
      await attempt.query(`listen ${attempt.escapeIdentifier(channel)}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (isClosed || hasFailed) return;
    delay = firstDelay;
    options.onConnect?.();
  };

  void connect();
  return {
    async close() {
      if (isClosed) return;
      isClosed = true;
      onClosed();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
