import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { sql } from './kysely-runtime.js';
import type { DatabaseSchema } from './schema.js';
import { type TestDatabase, testDatabaseTargets } from './testing/test-databases.js';

let nextId = 0;
/** Names unique within the suite, so tests share one database without seeing each other's rows. */
function uniqueName(prefix: string): string {
  nextId += 1;
  return `${prefix}_${nextId}_${Math.random().toString(16).slice(2, 8)}`;
}

function aSessionRow(id: string) {
  return {
    session_id: id,
    user_id: 'u',
    seed: 1,
    state: '{}',
    turn_count: 0,
    last_choices: '[]',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

async function sessionExists(db: Kysely<DatabaseSchema>, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('sessions')
    .select('session_id')
    .where('session_id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

async function waitFor(
  what: string,
  isDone: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
): Promise<void> {
  const start = Date.now();
  while (!(await isDone())) {
    assert.ok(Date.now() - start < timeoutMs, `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** PostgreSQL: how many connections listen on `channel` (the listener names its connection after it). */
async function listenConnections(database: Database, channel: string): Promise<number> {
  const { rows } = await sql<{ count: string }>`select count(*)::text as count from pg_stat_activity
    where datname = current_database() and application_name = ${`awf-listen:${channel}`}`.execute(
    database.db,
  );
  return Number(rows[0]?.count);
}

for (const target of testDatabaseTargets()) {
  const isPostgres = target.name === 'postgres';

  describe(`DialectAdapter (${target.name})`, () => {
    let database: TestDatabase;
    let other: Database;
    before(async () => {
      database = await target.open();
      // A second instance on the same database.
      other = await database.reopen();
    });
    after(async () => {
      await other.close();
      await database.close();
    });

    describe('.writeTransaction()', () => {
      it('commits what the work wrote when it resolves, and returns its result', async () => {
        const id = uniqueName('commit');
        const result = await database.adapter.writeTransaction(async (trx) => {
          await trx.insertInto('sessions').values(aSessionRow(id)).execute();
          return 'done';
        });
        assert.equal(result, 'done');
        assert.equal(await sessionExists(other.db, id), true);
      });

      it('rolls everything back when the work throws, and rethrows', async () => {
        const id = uniqueName('rollback');
        await assert.rejects(
          database.adapter.writeTransaction(async (trx) => {
            await trx.insertInto('sessions').values(aSessionRow(id)).execute();
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await sessionExists(database.db, id), false);
      });
    });

    describe('.lockForTransaction()', () => {
      if (isPostgres) {
        it('makes a second transaction with the same key wait until the first ends', async () => {
          const key = 424242n;
          const events: string[] = [];
          let firstHasLock!: () => void;
          const firstLocked = new Promise<void>((resolve) => {
            firstHasLock = resolve;
          });
          const first = database.adapter.writeTransaction(async (trx) => {
            await database.adapter.lockForTransaction(trx, key);
            events.push('first locked');
            firstHasLock();
            await sleep(200);
            events.push('first done');
          });
          await firstLocked;
          const second = other.adapter.writeTransaction(async (trx) => {
            await other.adapter.lockForTransaction(trx, key);
            events.push('second locked');
          });
          await Promise.all([first, second]);
          assert.deepEqual(events, ['first locked', 'first done', 'second locked']);
        });

        it('lets transactions with different keys run side by side', async () => {
          await database.adapter.writeTransaction(async (trx) => {
            await database.adapter.lockForTransaction(trx, 1n);
            await other.adapter.writeTransaction((otherTrx) =>
              other.adapter.lockForTransaction(otherTrx, 2n),
            );
          });
        });

        it('refuses outside a transaction, where the lock would be released at once', async () => {
          await assert.rejects(database.adapter.lockForTransaction(database.db, 1n), /needs a transaction/);
        });

        it('rejects a key that is not a 64-bit integer', async () => {
          await assert.rejects(
            database.adapter.writeTransaction((trx) => database.adapter.lockForTransaction(trx, 2n ** 63n)),
            RangeError,
          );
        });
      } else {
        it('resolves at once inside a write transaction, which already holds the whole database', async () => {
          await database.adapter.writeTransaction((trx) => database.adapter.lockForTransaction(trx, 424242n));
        });
      }
    });

    describe('.lockRowsForUpdate()', () => {
      const select = (db: Kysely<DatabaseSchema>) =>
        db.selectFrom('sessions').selectAll().where('session_id', '=', 'x');

      if (isPostgres) {
        it('adds FOR UPDATE to the select', () => {
          const compiled = database.adapter.lockRowsForUpdate(select(database.db)).compile();
          assert.match(compiled.sql, /for update$/);
        });
      } else {
        it('leaves the select unchanged, since the write transaction serialises writers', () => {
          const compiled = database.adapter.lockRowsForUpdate(select(database.db)).compile();
          assert.equal(compiled.sql, select(database.db).compile().sql);
        });
      }

      it('reads the row inside a write transaction', async () => {
        const id = uniqueName('locked');
        await database.adapter.writeTransaction(async (trx) => {
          await trx.insertInto('sessions').values(aSessionRow(id)).execute();
          const row = await database.adapter
            .lockRowsForUpdate(trx.selectFrom('sessions').select('session_id').where('session_id', '=', id))
            .executeTakeFirst();
          assert.equal(row?.session_id, id);
        });
      });
    });

    describe('.notify() and .listen()', () => {
      if (isPostgres) {
        it('delivers a payload notified in a committed transaction to a listener on another instance', async () => {
          const channel = uniqueName('awf_test');
          const heard: string[] = [];
          let connects = 0;
          const listener = database.adapter.listen(channel, (payload) => heard.push(payload), {
            onConnect: () => {
              connects += 1;
            },
          });
          try {
            await waitFor('the listener to connect', () => connects === 1);
            await other.adapter.writeTransaction((trx) => other.adapter.notify(trx, channel, '42'));
            await waitFor('the notification', () => heard.length === 1, 1000);
            assert.deepEqual(heard, ['42']);
          } finally {
            await listener.close();
          }
        });

        it('delivers nothing from a transaction that rolls back', async () => {
          const channel = uniqueName('awf_test');
          const heard: string[] = [];
          let isConnected = false;
          const listener = database.adapter.listen(channel, (payload) => heard.push(payload), {
            onConnect: () => {
              isConnected = true;
            },
          });
          try {
            await waitFor('the listener to connect', () => isConnected);
            await assert.rejects(
              other.adapter.writeTransaction(async (trx) => {
                await other.adapter.notify(trx, channel, 'rolled back');
                throw new Error('boom');
              }),
              /boom/,
            );
            // Notifications arrive in commit order, so once this one is heard the other would have been.
            await other.adapter.writeTransaction((trx) => other.adapter.notify(trx, channel, 'committed'));
            await waitFor('the committed notification', () => heard.length > 0, 1000);
            assert.deepEqual(heard, ['committed']);
          } finally {
            await listener.close();
          }
        });

        it('reconnects when its connection is killed, calls onConnect again and hears later notifications', async () => {
          const channel = uniqueName('awf_test');
          const heard: string[] = [];
          const errors: unknown[] = [];
          let connects = 0;
          const listener = database.adapter.listen(channel, (payload) => heard.push(payload), {
            onConnect: () => {
              connects += 1;
            },
            onError: (error) => errors.push(error),
            reconnectDelayMs: 20,
          });
          try {
            await waitFor('the listener to connect', () => connects === 1);
            await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and application_name = ${`awf-listen:${channel}`}`.execute(
              other.db,
            );
            await waitFor('the listener to reconnect', () => connects === 2);
            assert.ok(errors.length >= 1, 'the dropped connection was not reported');
            await other.adapter.writeTransaction((trx) => other.adapter.notify(trx, channel, 'after'));
            await waitFor('the notification after reconnecting', () => heard.includes('after'), 1000);
          } finally {
            await listener.close();
          }
        });

        it('close() releases its connection, stops delivery and may be called again', async () => {
          const channel = uniqueName('awf_test');
          const heard: string[] = [];
          let isConnected = false;
          const listener = database.adapter.listen(channel, (payload) => heard.push(payload), {
            onConnect: () => {
              isConnected = true;
            },
          });
          await waitFor('the listener to connect', () => isConnected);
          assert.equal(await listenConnections(other, channel), 1);
          await listener.close();
          await listener.close();
          await waitFor('the connection to go', async () => (await listenConnections(other, channel)) === 0);
          await other.adapter.writeTransaction((trx) => other.adapter.notify(trx, channel, 'too late'));
          await sleep(100);
          assert.deepEqual(heard, []);
        });

        it('close() of a listener still connecting leaves no connection behind', async () => {
          const channel = uniqueName('awf_test');
          const listener = database.adapter.listen(channel, () => {});
          await listener.close();
          await sleep(100);
          assert.equal(await listenConnections(other, channel), 0);
        });

        it("the database's close() closes the listeners it still has open", async () => {
          const channel = uniqueName('awf_test');
          const third = await database.reopen();
          let isConnected = false;
          third.adapter.listen(channel, () => {}, {
            onConnect: () => {
              isConnected = true;
            },
          });
          await waitFor('the listener to connect', () => isConnected);
          await third.close();
          await waitFor('the connection to go', async () => (await listenConnections(other, channel)) === 0);
        });
      } else {
        it('notify() is a no-op and listen() never hears anything (readers poll instead)', async () => {
          const heard: string[] = [];
          let connects = 0;
          const listener = database.adapter.listen('awf_test', (payload) => heard.push(payload), {
            onConnect: () => {
              connects += 1;
            },
          });
          await other.adapter.writeTransaction((trx) => other.adapter.notify(trx, 'awf_test', '42'));
          await sleep(50);
          assert.deepEqual(heard, []);
          assert.equal(connects, 0);
          await listener.close();
          await listener.close();
        });
      }
    });
  });
}
