import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it, type TestContext } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Client } from 'pg';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { type AuditLogger, createAuditLogger } from './audit-logger.js';

/** Whether the sqlite3 command-line client is installed; CI must have it (.ci/run installs it). */
function hasSqliteCli(): boolean {
  return spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;
}

function requireSqliteCli(t: TestContext): boolean {
  if (hasSqliteCli()) return true;
  if (process.env.CI === 'true')
    assert.fail('the sqlite3 command-line client is missing (apt-get install sqlite3)');
  t.skip('the sqlite3 command-line client is not installed');
  return false;
}

/** Statements an attacker with a plain connection might use to overwrite stored rows. */
const OVERWRITES = {
  sqlite: [
    `replace into audit_log select seq, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2`,
    `insert or replace into audit_log select seq, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2`,
    // A new seq with an existing id: REPLACE would delete the row that holds the id.
    `insert or replace into audit_log select 1000, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2`,
    `insert into audit_log select seq, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2 on conflict(seq) do update set actor = 'mallory'`,
    `replace into audit_checkpoints select seq, 'forged', created_at, created_by, public_key, signature from audit_checkpoints where seq = 4`,
    `insert or replace into audit_checkpoints select seq, 'forged', created_at, created_by, public_key, signature from audit_checkpoints where seq = 4`,
  ],
  postgres: [
    `insert into audit_log select seq, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2 on conflict (seq) do update set actor = excluded.actor`,
    `insert into audit_log select 1000, id, 'mallory', action, entity, details, created_at, prev_hash, hash, canonical from audit_log where seq = 2 on conflict (id) do update set actor = excluded.actor`,
    `insert into audit_checkpoints select seq, 'forged', created_at, created_by, public_key, signature from audit_checkpoints where seq = 4 on conflict (seq) do update set hash = excluded.hash`,
  ],
};

for (const target of testDatabaseTargets()) {
  describe(`audit tables on a plain connection (${target.name})`, () => {
    let database: TestDatabase;
    let audit: AuditLogger;
    let rowsBefore: unknown;

    /** Every stored audit row and checkpoint, to compare after each attempt. */
    const snapshot = async () => ({
      log: await database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute(),
      checkpoints: await database.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute(),
    });

    before(async () => {
      database = await target.open();
      audit = createAuditLogger({ database, checkpointEvery: 4 });
      for (let i = 1; i <= 5; i++) {
        await audit.append({
          actor: 'admin',
          action: 'rollout.percent.set',
          entity: 'rollout',
          details: { new: i },
        });
      }
      rowsBefore = await snapshot();
    });
    after(async () => {
      await database.close();
    });

    if (target.name === 'sqlite') {
      it('reject REPLACE INTO / INSERT OR REPLACE / upsert over a stored row through better-sqlite3 with default pragmas', async () => {
        const plain = new SqliteDatabase(database.sqlitePath as string);
        try {
          assert.equal(plain.pragma('recursive_triggers', { simple: true }), 0);
          for (const statement of OVERWRITES.sqlite) {
            assert.throws(() => plain.exec(statement), /append-only/, statement);
          }
        } finally {
          plain.close();
        }
        assert.deepEqual(await snapshot(), rowsBefore);
      });

      it('reject them through the sqlite3 command-line client', async (t) => {
        if (!requireSqliteCli(t)) return;
        for (const statement of OVERWRITES.sqlite) {
          const run = spawnSync('sqlite3', [database.sqlitePath as string, statement], { encoding: 'utf8' });
          assert.notEqual(run.status, 0, `${statement} was accepted`);
          assert.match(run.stderr, /append-only/, statement);
        }
        assert.deepEqual(await snapshot(), rowsBefore);
      });
    } else {
      it('reject INSERT … ON CONFLICT DO UPDATE over a stored row on a plain pg connection', async () => {
        const client = new Client({ connectionString: database.url as string });
        await client.connect();
        try {
          for (const statement of OVERWRITES.postgres) {
            await assert.rejects(client.query(statement), /append-only/, statement);
          }
        } finally {
          await client.end();
        }
        assert.deepEqual(await snapshot(), rowsBefore);
      });
    }

    it('still take new entries and checkpoints, and the chain verifies', async (t) => {
      const fresh = await target.open();
      t.after(() => fresh.close());
      const logger = createAuditLogger({ database: fresh, checkpointEvery: 2 });
      for (let i = 1; i <= 5; i++) {
        await logger.append({ actor: 'admin', action: 'x.set', entity: 'e', details: { i } });
      }
      assert.equal((await logger.createCheckpoint('auditor-1')).seq, 5);
      // Again at a seq that has one: the stored checkpoint is returned, no error, no second row.
      assert.equal((await logger.createCheckpoint('auditor-2')).createdBy, 'auditor-1');
      assert.deepEqual(
        (await logger.listCheckpoints()).map((checkpoint) => checkpoint.seq),
        [2, 4, 5],
      );
      assert.equal((await logger.verify()).ok, true);
    });
  });
}
