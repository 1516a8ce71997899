import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from '../store/kysely-runtime.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import { entryHash, GENESIS_HASH } from './audit-chain.js';
import { checkpointSigningText, createCheckpointSigner } from './audit-checkpoints.js';
import { type AuditLogger, createAuditLogger } from './audit-logger.js';
import { rewriteChainFrom, tamper } from './testing/tamper.js';

const WORKER = path.join(import.meta.dirname, 'testing/append-worker.ts');

async function appendSome(audit: AuditLogger, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await audit.append({
      actor: i % 2 ? 'admin' : 'ops-1',
      action: i % 3 ? 'rollout.percent.set' : 'override.set',
      entity: i % 3 ? 'rollout' : `user:user-${i}`,
      details: { previous: i - 1, new: i, note: 'ünïcødé "quoted" \u2028' },
    });
  }
}

for (const target of testDatabaseTargets()) {
  describe(`audit logger (${target.name})`, () => {
    let database: TestDatabase;
    let audit: AuditLogger;
    before(async () => {
      database = await target.open();
      audit = createAuditLogger({ database });
      await appendSome(audit, 12);
    });
    after(async () => {
      await database.close();
    });

    describe('.append()', () => {
      it('numbers entries 1, 2, 3… and chains each to the previous hash', async () => {
        const entries = await audit.query({ order: 'asc' });
        assert.deepEqual(
          entries.map((entry) => entry.seq),
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
        assert.equal(entries[0]?.prevHash, GENESIS_HASH);
        for (let i = 1; i < entries.length; i++) assert.equal(entries[i]?.prevHash, entries[i - 1]?.hash);
      });

      it('stores the exact hashed text and details that read back equal', async () => {
        const row = await database.db
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', '=', 3)
          .executeTakeFirstOrThrow();
        assert.equal(entryHash(row.prev_hash, row.canonical), row.hash);
        const [entry] = await audit.query({ afterSeq: 2, order: 'asc', limit: 1 });
        assert.deepEqual(entry?.details, { previous: 2, new: 3, note: 'ünïcødé "quoted" \u2028' });
      });

      it('leaves no entry and no gap when the transaction it joined rolls back', async () => {
        await assert.rejects(
          withWriteTransaction(database, async (trx) => {
            await audit.appendInTransaction(trx, { actor: 'admin', action: 'x.y', entity: 'e', details: {} });
            throw new Error('the change failed');
          }),
          /the change failed/,
        );
        const entry = await audit.append({ actor: 'admin', action: 'x.after', entity: 'e', details: {} });
        assert.equal(entry.seq, 13);
        assert.equal((await audit.verify()).ok, true);
      });
    });

    describe('append-only triggers', () => {
      it('reject UPDATE and DELETE', async () => {
        await assert.rejects(
          database.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 1).execute(),
          /append-only/,
        );
        await assert.rejects(
          database.db.deleteFrom('audit_log').where('seq', '=', 1).execute(),
          /append-only/,
        );
        await assert.rejects(
          database.db
            .updateTable('audit_checkpoints')
            .set({ hash: 'x' })
            .execute()
            .then(async () => {
              // No checkpoint rows yet: make one so the trigger has something to refuse.
              await audit.createCheckpoint('admin');
              await database.db.updateTable('audit_checkpoints').set({ hash: 'x' }).execute();
            }),
          /append-only/,
        );
      });

      if (target.name === 'postgres') {
        it('reject TRUNCATE, and still fire with session_replication_role = replica', async () => {
          await database.db.connection().execute(async (connection) => {
            await assert.rejects(sql`truncate audit_log`.execute(connection), /append-only/);
            await sql`set session_replication_role = replica`.execute(connection);
            try {
              await assert.rejects(sql`delete from audit_log`.execute(connection), /append-only/);
              await assert.rejects(sql`update audit_log set actor = 'x'`.execute(connection), /append-only/);
              await assert.rejects(sql`truncate audit_log`.execute(connection), /append-only/);
              await assert.rejects(sql`truncate audit_checkpoints`.execute(connection), /append-only/);
            } finally {
              await sql`set session_replication_role = origin`.execute(connection);
            }
          });
        });
      }
    });

    describe('.query()', () => {
      it('filters by actor, exact or prefixed action and entity, and time, newest first', async () => {
        assert.ok((await audit.getLogsByActor('ops-1')).every((entry) => entry.actor === 'ops-1'));
        const overrides = await audit.query({ action: 'override.*' });
        assert.deepEqual(
          overrides.map((entry) => entry.seq),
          [12, 9, 6, 3],
        );
        assert.deepEqual(
          (await audit.query({ entity: 'user:user-6' })).map((entry) => entry.seq),
          [6],
        );
        assert.deepEqual(await audit.query({ entity: 'USER:*' }), []);
        assert.equal((await audit.getFlagChangeLogs()).length, 8);
        assert.deepEqual(
          (await audit.getRecentLogs(2)).map((entry) => entry.seq),
          [13, 12],
        );
        const all = await audit.query({ order: 'asc' });
        const middle = all[5]?.createdAt as string;
        const since = await audit.query({ since: middle, order: 'asc' });
        assert.ok(since.every((entry) => entry.createdAt >= middle));
        assert.ok((await audit.query({ until: middle })).every((entry) => entry.createdAt < middle));
      });

      it('exports NDJSON oldest first, one parseable entry per line', async () => {
        const lines: string[] = [];
        for await (const line of audit.exportNdjson({ actor: 'admin' })) lines.push(line);
        const entries = lines.map((line) => JSON.parse(line) as { seq: number; actor: string; hash: string });
        assert.ok(
          entries.length > 0 && entries.every((entry) => entry.actor === 'admin' && entry.hash.length === 64),
        );
        assert.deepEqual(
          entries.map((entry) => entry.seq),
          [...entries.map((entry) => entry.seq)].sort((a, b) => a - b),
        );
      });
    });

    describe('.verify()', () => {
      const fresh = async (count = 6) => {
        const db = await target.open();
        const logger = createAuditLogger({ database: db });
        await appendSome(logger, count);
        return { db, logger };
      };

      it('passes an intact chain and names its head', async () => {
        const result = await audit.verify();
        assert.equal(result.ok, true);
        assert.equal(result.firstBad, null);
        assert.equal(result.head?.seq, 13);
        assert.equal(result.entries, 13);
      });

      it('catches an edited row (CONTENT_MISMATCH)', async () => {
        const { db, logger } = await fresh();
        try {
          await tamper(db, [
            `update audit_log set details = '{"new":99,"note":"x","previous":1}' where seq = 2`,
          ]);
          const result = await logger.verify();
          assert.equal(result.ok, false);
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 2, reason: 'CONTENT_MISMATCH' },
          );
        } finally {
          await db.close();
        }
      });

      it('catches an edited row whose hashed text was edited too (HASH_MISMATCH)', async () => {
        const { db, logger } = await fresh();
        try {
          await tamper(db, [
            `update audit_log set actor = 'mallory', canonical = replace(canonical, '"actor":"ops-1"', '"actor":"mallory"') where seq = 4`,
          ]);
          const result = await logger.verify();
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 4, reason: 'HASH_MISMATCH' },
          );
        } finally {
          await db.close();
        }
      });

      it('catches a deleted row (SEQ_GAP)', async () => {
        const { db, logger } = await fresh();
        try {
          await tamper(db, ['delete from audit_log where seq = 3']);
          const result = await logger.verify();
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 3, reason: 'SEQ_GAP' },
          );
          assert.equal(result.entries, 2);
        } finally {
          await db.close();
        }
      });

      it('catches reordered rows (PREV_MISMATCH)', async () => {
        const { db, logger } = await fresh();
        try {
          await tamper(db, [
            'update audit_log set seq = 1000 where seq = 4',
            'update audit_log set seq = 4 where seq = 5',
            'update audit_log set seq = 5 where seq = 1000',
          ]);
          const result = await logger.verify();
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 4, reason: 'PREV_MISMATCH' },
          );
        } finally {
          await db.close();
        }
      });

      it('catches a cut-off tail once a checkpoint vouched for it (TAIL_TRUNCATED)', async () => {
        const { db, logger } = await fresh();
        try {
          await logger.createCheckpoint('auditor-1');
          await tamper(db, ['delete from audit_log where seq >= 5']);
          const result = await logger.verify();
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 5, reason: 'TAIL_TRUNCATED' },
          );
        } finally {
          await db.close();
        }
      });

      it('catches a recomputed chain through a stored or an exported checkpoint (CHECKPOINT_MISMATCH)', async () => {
        const { db, logger } = await fresh();
        try {
          const exported = await logger.createCheckpoint('auditor-1');
          await rewriteChainFrom(db, 2, { previous: 1, new: 100 });
          const result = await logger.verify();
          assert.deepEqual(
            { seq: result.firstBad?.seq, reason: result.firstBad?.reason },
            { seq: 6, reason: 'CHECKPOINT_MISMATCH' },
          );
          // The forger also removes the stored checkpoint; the copy held elsewhere still catches it.
          await tamper(db, ['delete from audit_checkpoints']);
          assert.equal((await logger.verify()).ok, true);
          const withExport = await logger.verify({ checkpoints: [exported] });
          assert.equal(withExport.firstBad?.reason, 'CHECKPOINT_MISMATCH');
        } finally {
          await db.close();
        }
      });
    });

    describe('checkpoints', () => {
      it('are written every N entries, signed with the Ed25519 key, and verified with it', async () => {
        const db = await target.open();
        try {
          const { privateKey, publicKey } = generateKeyPairSync('ed25519');
          const logger = createAuditLogger({
            database: db,
            checkpointEvery: 5,
            signer: createCheckpointSigner(privateKey),
          });
          await appendSome(logger, 11);
          const checkpoints = await logger.listCheckpoints();
          assert.deepEqual(
            checkpoints.map((checkpoint) => checkpoint.seq),
            [5, 10],
          );
          assert.ok(checkpoints.every((checkpoint) => checkpoint.signature !== null));
          const ok = await logger.verify({ trustedKey: publicKey });
          assert.equal(ok.ok, true);
          assert.deepEqual(ok.checkpoints, { checked: 2, signed: 2, verifiedWith: 'trusted_key' });

          const other = generateKeyPairSync('ed25519').publicKey;
          assert.equal(
            (await logger.verify({ trustedKey: other })).firstBad?.reason,
            'CHECKPOINT_SIGNATURE_INVALID',
          );

          // A forger without the key rewrites the chain and the checkpoint hash; the signature gives it away.
          await rewriteChainFrom(db, 7, { previous: 0, new: 0 });
          const head10 = await db.db
            .selectFrom('audit_log')
            .select('hash')
            .where('seq', '=', 10)
            .executeTakeFirstOrThrow();
          await tamper(db, [`update audit_checkpoints set hash = '${head10.hash}' where seq = 10`]);
          const forged = await logger.verify({ trustedKey: publicKey });
          assert.deepEqual(
            { seq: forged.firstBad?.seq, reason: forged.firstBad?.reason },
            { seq: 10, reason: 'CHECKPOINT_SIGNATURE_INVALID' },
          );
          await tamper(db, [
            'update audit_checkpoints set signature = null, public_key = null where seq = 10',
          ]);
          assert.equal(
            (await logger.verify({ trustedKey: publicKey })).firstBad?.reason,
            'CHECKPOINT_UNSIGNED',
          );
        } finally {
          await db.close();
        }
      });
    });

    describe('verifying checkpoint signatures without a trusted key', () => {
      it('checks them only against the embedded key and says so; the configured key catches a re-signed forgery', async () => {
        const db = await target.open();
        try {
          const real = generateKeyPairSync('ed25519');
          const operator = createAuditLogger({
            database: db,
            signer: createCheckpointSigner(real.privateKey),
          });
          await appendSome(operator, 6);
          await operator.createCheckpoint('auditor-1');

          // The forger rewrites entry 2, every hash after it, and the checkpoint — re-signed with its own key.
          await rewriteChainFrom(db, 2, { previous: 1, new: 100 });
          const head = await db.db
            .selectFrom('audit_log')
            .select(['hash', 'seq'])
            .where('seq', '=', 6)
            .executeTakeFirstOrThrow();
          const [stored] = await operator.listCheckpoints();
          const forger = createCheckpointSigner(generateKeyPairSync('ed25519').privateKey);
          const signature = forger.sign(
            checkpointSigningText({ seq: 6, hash: head.hash, createdAt: stored?.createdAt as string }),
          );
          await tamper(db, [
            `update audit_checkpoints set hash = '${head.hash}', public_key = '${forger.publicKeyBase64}', signature = '${signature}' where seq = 6`,
          ]);

          const embeddedOnly = await createAuditLogger({ database: db }).verify();
          assert.equal(embeddedOnly.ok, true);
          assert.deepEqual(embeddedOnly.checkpoints, { checked: 1, signed: 1, verifiedWith: 'embedded_key' });

          for (const trusted of [
            await operator.verify(), // the configured signing key's public half, by default
            await createAuditLogger({ database: db }).verify({ trustedKey: real.publicKey }),
          ]) {
            assert.deepEqual(
              [trusted.firstBad?.seq, trusted.firstBad?.reason, trusted.checkpoints.verifiedWith],
              [6, 'CHECKPOINT_SIGNATURE_INVALID', 'trusted_key'],
            );
          }
        } finally {
          await db.close();
        }
      });
    });

    describe('concurrent appends from several processes', () => {
      it('keep one linear, gap-free chain', { timeout: 60_000 }, async () => {
        const db = await target.open();
        try {
          const env = {
            ...process.env,
            ...(db.url ? { DATABASE_URL: db.url } : { AWF_DB_PATH: db.sqlitePath as string }),
          };
          const workers = ['a', 'b', 'c'];
          const children = workers.map((worker) =>
            spawn(process.execPath, ['--import', 'tsx', WORKER, worker, '25'], {
              env,
              stdio: ['pipe', 'pipe', 'inherit'],
            }),
          );
          // Every worker has its store open before any appends.
          await Promise.all(children.map((child) => once(child.stdout, 'data')));
          const exits = children.map((child) => once(child, 'exit'));
          for (const child of children) child.stdin.write('go\n');
          assert.deepEqual(
            (await Promise.all(exits)).map(([code]) => code),
            [0, 0, 0],
          );
          const logger = createAuditLogger({ database: db });
          const result = await logger.verify();
          assert.equal(result.ok, true, JSON.stringify(result.firstBad));
          assert.equal(result.head?.seq, 75);
          const entries = await logger.query({ order: 'asc', limit: 100 });
          for (const worker of workers) {
            const mine = entries.filter((entry) => entry.entity === `worker:${worker}`);
            assert.deepEqual(
              mine.map((entry) => entry.details.i),
              Array.from({ length: 25 }, (_, i) => i),
            );
          }
          if (target.name === 'postgres') {
            // Interleaved, so the appends really raced (SQLite's busy wait is unfair: a writer often
            // keeps the lock for its whole run, which is just as linear but shows no interleaving).
            const switches = entries.filter(
              (entry, i) => i > 0 && entry.entity !== entries[i - 1]?.entity,
            ).length;
            assert.ok(switches > 2, `only ${switches} switches between workers`);
          }
        } finally {
          await db.close();
        }
      });

      if (target.name === 'postgres') {
        it('keep one chain with two connection pools in one process', async () => {
          const db = await target.open();
          const second = await db.reopen();
          try {
            const a = createAuditLogger({ database: db });
            const b = createAuditLogger({ database: second });
            await Promise.all([appendSome(a, 20), appendSome(b, 20), appendSome(a, 10)]);
            const result = await a.verify();
            assert.equal(result.ok, true);
            assert.equal(result.head?.seq, 50);
          } finally {
            await second.close();
            await db.close();
          }
        });
      }
    });
  });
}
