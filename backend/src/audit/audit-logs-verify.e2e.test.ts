import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../auth/create-auth.js';
import { seedActors } from '../rollout/testing/control-plane.js';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import { createAudit } from './create-audit.js';
import { rewriteChainFrom, tamper } from './testing/tamper.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** `tsx backend/scripts/audit-logs.ts ...args` in one process, with only `env`. */
function auditLogs(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts/audit-logs.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The forger's moves after editing entry 20 and recomputing every hash from there on. */
const ATTACKS: Array<{ name: string; statements: string[]; firstBad: RegExp }> = [
  {
    name: '(a) rewrites every checkpoint unsigned',
    statements: ['update audit_checkpoints set signature = null, public_key = null'],
    firstBad: /^audit chain BROKEN at #10: CHECKPOINT_UNSIGNED: /,
  },
  {
    name: '(b) deletes every checkpoint',
    statements: ['delete from audit_checkpoints'],
    firstBad: /^audit chain BROKEN at #10: CHECKPOINT_MISSING: /,
  },
  {
    name: '(c) deletes the checkpoints from #20 on',
    statements: ['delete from audit_checkpoints where seq >= 20'],
    firstBad: /^audit chain BROKEN at #20: CHECKPOINT_MISSING: /,
  },
];

for (const target of testDatabaseTargets()) {
  describe(`audit-logs.ts --verify after a recomputed chain (${target.name})`, { timeout: 120_000 }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'awf-verify-'));
    const keyFile = path.join(dir, 'audit-signing.pem');
    const config = {
      checkpointEvery: 10,
      signingKeyFile: keyFile,
      checkpointIntervalSec: 0,
      witnessFile: undefined,
    };
    const stores: Array<{ database: TestDatabase; auditorToken: string }> = [];

    /** A store with 25 entries, written with a checkpoint every 10 signed by the key (so #10 and #20). */
    const openStore = async () => {
      const database = await target.open();
      const audit = createAudit(config, { database });
      const { tokens } = await seedActors(createAuth({ changeRateSeed: undefined }, { database, audit }));
      const head = (await audit.head())?.seq ?? 0;
      for (let seq = head + 1; seq <= 25; seq++) {
        await audit.append({
          actor: 'admin',
          action: 'rollout.percent.set',
          entity: 'rollout',
          details: { new: seq },
        });
      }
      return { database, audit, auditorToken: tokens.auditor };
    };
    const envOf = (database: Database & { url?: string; sqlitePath?: string }, token: string) => ({
      ...(database.url ? { DATABASE_URL: database.url } : { AWF_DB_PATH: database.sqlitePath as string }),
      AWF_ADMIN_TOKEN: token,
      AWF_AUDIT_SIGNING_KEY_FILE: keyFile,
      AWF_AUDIT_CHECKPOINT_EVERY: '10',
    });

    before(() => {
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    });
    after(async () => {
      for (const { database } of stores) await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails naming the first bad place when checkpoints were rewritten unsigned, deleted, or deleted from #20 on', async () => {
      const opened = await Promise.all(ATTACKS.map(() => openStore()));
      stores.push(...opened);
      for (const { database, audit } of opened) {
        const intact = await audit.verify();
        assert.equal(intact.ok, true, JSON.stringify(intact.firstBad));
        assert.deepEqual(
          (await audit.listCheckpoints()).map((checkpoint) => [
            checkpoint.seq,
            checkpoint.signature !== null,
          ]),
          [
            [10, true],
            [20, true],
          ],
        );
        await rewriteChainFrom(database, 20, { new: 'forged' });
      }
      await Promise.all(
        ATTACKS.map((attack, i) =>
          tamper((opened[i] as (typeof opened)[number]).database, attack.statements),
        ),
      );
      const runs = await Promise.all(
        opened.map(({ database, auditorToken }) => auditLogs(['--verify'], envOf(database, auditorToken))),
      );
      runs.forEach((run, i) => {
        const attack = ATTACKS[i] as (typeof ATTACKS)[number];
        assert.equal(run.code, 1, `${attack.name}: exit ${run.code}\n${run.stdout}${run.stderr}`);
        assert.match(run.stdout, attack.firstBad, attack.name);
      });
    });
  });
}
