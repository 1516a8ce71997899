import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestDatabase, testDatabaseTargets } from './testing/test-databases.js';
import { withWriteTransaction } from './write-transaction.js';

for (const target of testDatabaseTargets()) {
  describe(`withWriteTransaction (${target.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database.close();
    });

    const aSessionRow = (id: string) => ({
      session_id: id,
      user_id: 'u',
      seed: 1,
      state: '{}',
      turn_count: 0,
      last_choices: '[]',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    });

    it('commits what the work wrote when it resolves', async () => {
      await withWriteTransaction(database, (trx) =>
        trx.insertInto('sessions').values(aSessionRow('wt-1')).execute(),
      );
      const row = await database.db
        .selectFrom('sessions')
        .select('session_id')
        .where('session_id', '=', 'wt-1')
        .executeTakeFirst();
      assert.equal(row?.session_id, 'wt-1');
    });

    it('rolls everything back when the work throws', async () => {
      await assert.rejects(
        withWriteTransaction(database, async (trx) => {
          await trx.insertInto('sessions').values(aSessionRow('wt-2')).execute();
          throw new Error('boom');
        }),
        /boom/,
      );
      const row = await database.db
        .selectFrom('sessions')
        .select('session_id')
        .where('session_id', '=', 'wt-2')
        .executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}
