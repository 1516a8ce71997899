import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestServices } from '../app/testing/test-services.js';
import { createAuth } from '../auth/create-auth.js';
import { adminCaller } from '../cli/admin-cli.js';
import { runCli } from '../cli/cli-runner.js';
import type { Config } from '../config/config.js';
import { seedActors } from '../rollout/testing/control-plane.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import { auditLogsCommand } from './audit-logs-command.js';
import { type AuditCapability, createAudit } from './create-audit.js';
import { rewriteChainFrom, tamper } from './testing/tamper.js';

const NO_EXTRAS: Config['audit'] = {
  checkpointEvery: 0,
  signingKeyFile: undefined,
  checkpointIntervalSec: 0,
  witnessFile: undefined,
};

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-witness-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function appendUpTo(audit: AuditCapability, seq: number): Promise<void> {
  for (let next = ((await audit.head())?.seq ?? 0) + 1; next <= seq; next++) {
    await audit.append({
      actor: 'admin',
      action: 'rollout.percent.set',
      entity: 'rollout',
      details: { new: next },
    });
  }
}

const seqsIn = (file: string): number[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { seq: number }).seq);

/** Seeds actors, then runs `audit-logs.ts ...argv` in this process over `audit`, as the auditor. */
async function auditLogsAsAuditor(audit: AuditCapability, database: TestDatabase) {
  const auth = createAuth({ changeRateSeed: undefined }, { database, audit });
  const { tokens } = await seedActors(auth);
  return (argv: string[]) => auditLogs(audit, adminCaller(auth, { AWF_ADMIN_TOKEN: tokens.auditor }), argv);
}

async function auditLogs(audit: AuditCapability, caller: ReturnType<typeof adminCaller>, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(auditLogsCommand, () => ({ deps: { audit, caller } }), {
    argv,
    stdin: Readable.from([]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

for (const target of testDatabaseTargets()) {
  describe(`the audit tail (${target.name})`, () => {
    const open = async (
      t: TestContext,
      config: Partial<Config['audit']>,
      log?: { error(m: string): void },
    ) => {
      const database = await target.open();
      const audit = createAudit({ ...NO_EXTRAS, ...config }, { database, ...(log ? { log } : {}) });
      t.after(async () => {
        await audit.keeper.close();
        await database.close();
      });
      return { database, audit };
    };

    describe('interval checkpoints (AWF_AUDIT_CHECKPOINT_INTERVAL_S)', () => {
      it('checkpoint the head on each tick when entries came after the last checkpoint, and only then', async (t) => {
        const { audit } = await open(t, { checkpointEvery: 100, checkpointIntervalSec: 60 });
        await audit.keeper.tick();
        assert.deepEqual(await audit.listCheckpoints(), [], 'an empty log has nothing to checkpoint');
        await appendUpTo(audit, 3);
        await audit.keeper.tick();
        await audit.keeper.tick();
        assert.deepEqual(
          (await audit.listCheckpoints()).map((checkpoint) => [checkpoint.seq, checkpoint.createdBy]),
          [[3, 'system']],
        );
        await appendUpTo(audit, 4);
        await audit.keeper.tick();
        assert.deepEqual(
          (await audit.listCheckpoints()).map((checkpoint) => checkpoint.seq),
          [3, 4],
        );
      });

      it('run on the server timer every interval', async (t) => {
        const { audit } = await open(t, { checkpointIntervalSec: 1 });
        await appendUpTo(audit, 2);
        audit.keeper.start();
        // A 1 s interval: the checkpoint is there within a few intervals.
        for (let waited = 0; waited < 10_000 && (await audit.listCheckpoints()).length === 0; waited += 100) {
          await sleep(100);
        }
        assert.deepEqual(
          (await audit.listCheckpoints()).map((checkpoint) => checkpoint.seq),
          [2],
        );
      });
    });

    describe('the witness file (AWF_AUDIT_WITNESS_FILE)', () => {
      it('gets every committed checkpoint, never a rolled-back one, in the format --export-checkpoints prints', async (t) => {
        const witnessFile = path.join(tempDir(t), 'witness.ndjson');
        const { database, audit } = await open(t, { checkpointEvery: 5, witnessFile });
        await appendUpTo(audit, 9);
        await assert.rejects(
          withWriteTransaction(database, async (trx) => {
            await audit.appendInTransaction(trx, { actor: 'admin', action: 'x.y', entity: 'e', details: {} });
            throw new Error('the change failed');
          }),
          /the change failed/,
        );
        await audit.keeper.flushWitness();
        assert.deepEqual(
          seqsIn(witnessFile),
          [5],
          'the checkpoint of the rolled-back entry 10 is not witnessed',
        );
        await appendUpTo(audit, 12);
        await audit.createCheckpoint('auditor-1');
        await audit.keeper.close();
        const exported = (await audit.listCheckpoints()).map((checkpoint) => JSON.stringify(checkpoint));
        assert.deepEqual(readFileSync(witnessFile, 'utf8').split('\n').filter(Boolean), exported);
        assert.deepEqual(seqsIn(witnessFile), [5, 10, 12]);
      });

      it('catches, through --verify --checkpoints, a rewritten chain whose stored checkpoints were rewritten too', async (t) => {
        const witnessFile = path.join(tempDir(t), 'witness.ndjson');
        const { database, audit } = await open(t, { checkpointEvery: 5, witnessFile });
        await appendUpTo(audit, 11);
        await audit.keeper.close();
        assert.deepEqual(seqsIn(witnessFile), [5, 10]);

        // The forger edits entry 3, recomputes the chain and the stored checkpoints to match.
        await rewriteChainFrom(database, 3, { new: 'forged' });
        const hashes = await database.db.selectFrom('audit_log').select(['seq', 'hash']).execute();
        await tamper(
          database,
          hashes
            .filter((row) => Number(row.seq) % 5 === 0)
            .map((row) => `update audit_checkpoints set hash = '${row.hash}' where seq = ${Number(row.seq)}`),
        );
        const auditLogsCli = await auditLogsAsAuditor(audit, database);
        const stored = await auditLogsCli(['--verify']);
        assert.equal(stored.code, 0, 'the stored checkpoints alone are fooled');
        const witnessed = await auditLogsCli(['--verify', '--checkpoints', witnessFile]);
        assert.equal(witnessed.code, 1, witnessed.stderr);
        assert.match(witnessed.stdout, /^audit chain BROKEN at #5: CHECKPOINT_MISMATCH: /);
      });

      it('catches a tail cut off after a witnessed checkpoint (TAIL_TRUNCATED)', async (t) => {
        const witnessFile = path.join(tempDir(t), 'witness.ndjson');
        const { database, audit } = await open(t, { checkpointIntervalSec: 60, witnessFile });
        await appendUpTo(audit, 7);
        await audit.keeper.tick();
        assert.deepEqual(seqsIn(witnessFile), [7]);
        await tamper(database, ['delete from audit_checkpoints', 'delete from audit_log where seq >= 6']);
        const result = await audit.verify({
          checkpoints: readFileSync(witnessFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line)),
        });
        assert.deepEqual([result.firstBad?.seq, result.firstBad?.reason], [6, 'TAIL_TRUNCATED']);
      });

      it('logs and counts a failing write, never blocks the change, and catches up on the next flush', async (t) => {
        const dir = path.join(tempDir(t), 'not-yet');
        const witnessFile = path.join(dir, 'witness.ndjson');
        const logged: string[] = [];
        const { audit } = await open(
          t,
          { checkpointEvery: 2, witnessFile },
          { error: (m) => logged.push(m) },
        );
        await appendUpTo(audit, 2);
        await audit.keeper.flushWitness();
        assert.equal((await audit.head())?.seq, 2, 'the change committed');
        assert.equal(audit.keeper.witnessStatus().failures, 1);
        assert.equal(logged.length, 1);
        assert.match(
          logged[0] as string,
          /AUDIT WITNESS WRITE FAILED \(1 failure\(s\) since start\).*not-yet/,
        );
        mkdirSync(dir);
        await appendUpTo(audit, 4);
        await audit.keeper.flushWitness();
        assert.deepEqual(seqsIn(witnessFile), [2, 4]);
        assert.equal(audit.keeper.witnessStatus().failures, 1);
      });
    });
  });
}

describe('the server process', () => {
  it('witnesses the checkpoints its changes made by the time it closes', async (t) => {
    const witnessFile = path.join(tempDir(t), 'witness.ndjson');
    const services = await createTestServices(
      { AWF_AUDIT_CHECKPOINT_EVERY: '2', AWF_AUDIT_WITNESS_FILE: witnessFile },
      { watchRollout: false, sloTimers: false },
    );
    try {
      await seedActors(services.auth);
    } finally {
      await services.dispose();
    }
    assert.deepEqual(seqsIn(witnessFile), [2, 4]);
  });
});
