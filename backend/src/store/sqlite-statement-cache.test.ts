import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { openDatabase } from './database.js';
import { sql } from './kysely-runtime.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import { testDatabaseTargets } from './testing/test-databases.js';

/** Counts better-sqlite3's prepare calls (every statement compiled) while `run` runs. */
async function countPrepares(run: () => Promise<void>): Promise<number> {
  const prototype = SqliteDatabase.prototype as unknown as {
    prepare: (this: unknown, sql: string) => unknown;
  };
  const original = prototype.prepare;
  let calls = 0;
  prototype.prepare = function (this: unknown, text: string) {
    calls += 1;
    return original.call(this, text);
  };
  try {
    await run();
  } finally {
    prototype.prepare = original;
  }
  return calls;
}

describe('SQLite statement cache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-stmt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('openDatabase on SQLite compiles a query run 50 times once', async () => {
    const database = await openDatabase({ sqlitePath: path.join(dir, 'once.db') });
    try {
      const prepares = await countPrepares(async () => {
        for (let i = 0; i < 50; i++) {
          await database.db.selectFrom('sessions').selectAll().where('session_id', '=', `s-${i}`).execute();
        }
      });
      assert.equal(prepares, 1);
    } finally {
      await database.close();
    }
  });

  it('keeps at most `size` statements, re-preparing the least recently used', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite, 2);
    try {
      const a = cached.prepare('select 1');
      cached.prepare('select 2');
      assert.equal(cached.prepare('select 1'), a, 'a hit');
      cached.prepare('select 3'); // evicts "select 2", the least recently used
      assert.equal(cached.prepare('select 1'), a);
      const prepares = countPreparesSync(() => cached.prepare('select 2'));
      assert.equal(prepares, 1, '"select 2" was evicted and compiled again');
    } finally {
      cached.close();
    }
  });

  it('never hands out a statement that is still streaming rows', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite);
    try {
      const first = cached.prepare('select 1 as one union all select 2');
      const rows = first.iterate([]);
      rows.next();
      const second = cached.prepare('select 1 as one union all select 2');
      assert.notEqual(second, first);
      assert.deepEqual(second.all([]), [{ one: 1 }, { one: 2 }]);
      rows.return?.();
    } finally {
      cached.close();
    }
  });
});

function countPreparesSync(run: () => void): number {
  const prototype = SqliteDatabase.prototype as unknown as {
    prepare: (this: unknown, sql: string) => unknown;
  };
  const original = prototype.prepare;
  let calls = 0;
  prototype.prepare = function (this: unknown, text: string) {
    calls += 1;
    return original.call(this, text);
  };
  try {
    run();
  } finally {
    prototype.prepare = original;
  }
  return calls;
}

for (const target of testDatabaseTargets()) {
  describe(`repeated queries through the store (${target.name})`, () => {
    it('answer each time from the current rows, inside and outside transactions', async () => {
      const database = await target.open();
      try {
        const { db } = database;
        const row = (id: string, turns: number) => ({
          session_id: id,
          user_id: 'u',
          seed: 1,
          state: '{}',
          turn_count: turns,
          last_choices: '[]',
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
        });
        const count = async () =>
          Number(
            (await db.selectFrom('sessions').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow())
              .n,
          );
        for (let i = 0; i < 5; i++) {
          await db
            .insertInto('sessions')
            .values(row(`s-${i}`, i))
            .execute();
          assert.equal(await count(), i + 1);
        }
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('sessions').set({ turn_count: 9 }).where('session_id', '=', 's-1').execute();
          const updated = await trx
            .selectFrom('sessions')
            .select('turn_count')
            .where('session_id', '=', 's-1')
            .executeTakeFirstOrThrow();
          assert.equal(updated.turn_count, 9);
        });
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx
              .updateTable('sessions')
              .set({ turn_count: 7 })
              .where('session_id', '=', 's-2')
              .execute();
            throw new Error('roll back');
          }),
        );
        const rolledBack = await db
          .selectFrom('sessions')
          .select('turn_count')
          .where('session_id', '=', 's-2')
          .executeTakeFirstOrThrow();
        assert.equal(rolledBack.turn_count, 2);
        assert.equal(await count(), 5);
      } finally {
        await database.close();
      }
    });
  });
}
