import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServices, type Services } from '../src/app/create-services.js';
import {
  type AuditCheckpoint,
  checkpointSigningText,
  createCheckpointSigner,
} from '../src/audit/audit-checkpoints.js';
import type { Principal } from '../src/auth/auth-service.js';
import { parseConfig } from '../src/config/config.js';
import { controlPlaneFingerprint, wireControlPlane } from '../src/rollout/testing/control-plane.js';
import { sql } from '../src/store/kysely-runtime.js';
import { type TestDatabase, testDatabaseTargets } from '../src/store/testing/test-databases.js';
import { type Run, runAll, runScript } from './testing/run-script.js';

const _ROOT = path.resolve(import.meta.dirname, '../..');

function assertUsageError(run: Run, pattern: RegExp, what: string): void {
  assert.equal(run.code, 2, `${what}: exit ${run.code}\n${run.stderr}`);
  assert.equal(run.stdout, '', `${what}: printed to stdout`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: more than one line:\n${run.stderr}`);
  assert.match(lines[0] as string, /^error: /, what);
  assert.match(lines[0] as string, pattern, what);
}

for (const target of testDatabaseTargets()) {
  const full = target.name === 'sqlite';

  describe(`admin scripts as subprocesses (${target.name})`, { timeout: 600_000 }, () => {
    let database: TestDatabase;
    let store: Record<string, string>;
    const tokens: Record<string, string> = {};

    /** The store's variables for a script. */
    const storeEnv = (db: TestDatabase): Record<string, string> =>
      db.url ? { DATABASE_URL: db.url } : { AWF_DB_PATH: db.sqlitePath as string };

    /** The admin (bootstrap) and operator-1, viewer-1, auditor-1, added in-process: a spawn each costs a second. */
    async function seedScriptActors(db: TestDatabase): Promise<Record<string, string>> {
      const auth = wireControlPlane(db).auth;
      const admin = await auth.addFirstAdmin({ name: 'admin', via: 'cli' });
      const principal: Principal = { actor: 'admin', role: 'admin', tokenId: admin.tokenId };
      const seeded: Record<string, string> = { admin: admin.token };
      for (const role of ['operator', 'viewer', 'auditor'] as const) {
        seeded[role] = (await auth.addActor(principal, { name: `${role}-1`, role })).token;
      }
      return seeded;
    }

    /** What the control plane's admin can do in-process, to set up the state a test starts from. */
    const asAdmin = async (): Promise<Principal> =>
      plane().auth.authenticate({ token: tokens.admin, permission: 'actors.manage', via: 'cli' });

    /** A store of its own for a test that needs a fresh or a broken one; removed afterwards. */
    async function withOwnStore(
      test: (own: {
        database: TestDatabase;
        tokens: Record<string, string>;
        as: (token?: string) => Record<string, string>;
      }) => Promise<void>,
    ): Promise<void> {
      const own = await target.open();
      try {
        const ownTokens = await seedScriptActors(own);
        await test({
          database: own,
          tokens: ownTokens,
          as: (token) => ({ ...storeEnv(own), ...(token === undefined ? {} : { AWF_ADMIN_TOKEN: token }) }),
        });
      } finally {
        await own.close();
      }
    }

    before(async () => {
      database = await target.open();
      store = storeEnv(database);
      Object.assign(tokens, await seedScriptActors(database));
    });
    after(async () => {
      await database.close();
    });

    const plane = () => wireControlPlane(database);
    const as = (token: string | undefined) => ({
      ...store,
      ...(token === undefined ? {} : { AWF_ADMIN_TOKEN: token }),
    });
    const deniedCount = async () =>
      Number(
        (
          await database.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', 'auth.denied')
            .executeTakeFirstOrThrow()
        ).n,
      );

    /** Every bad invocation exits 2 with one `error:` line; together they change nothing. */
    async function expectAllRejected(
      cases: Array<
        [what: string, script: string, args: string[], env: Record<string, string>, pattern: RegExp]
      >,
      expectedDenied: number,
    ): Promise<void> {
      const before = await controlPlaneFingerprint(database);
      const deniedBefore = await deniedCount();
      const runs = await runAll(
        cases.map(
          ([, script, args, env]) =>
            () =>
              runScript(script, args, env),
        ),
      );
      runs.forEach((run, i) => {
        const [what, , , , pattern] = cases[i] as (typeof cases)[number];
        assertUsageError(run, pattern, what);
      });
      assert.deepEqual(await controlPlaneFingerprint(database), before, 'a rejected command changed state');
      assert.equal((await deniedCount()) - deniedBefore, expectedDenied, 'auth.denied entries');
    }

    describe('awf-actors.ts', () => {
      it('bootstraps the first admin without a token, printing the token alone', async () => {
        const fresh = await target.open(); // no actor yet
        try {
          const env = storeEnv(fresh);
          if (full) {
            const before = await controlPlaneFingerprint(fresh);
            const early = await runScript('awf-actors', ['add', 'early', '--role', 'viewer'], env);
            assertUsageError(early, /first actor must be added with --role admin/, 'a non-admin first actor');
            assert.deepEqual(await controlPlaneFingerprint(fresh), before);
          }
          const run = await runScript('awf-actors', ['add', 'admin', '--role', 'admin'], env);
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, /^awf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
          const [entry] = await wireControlPlane(fresh).audit.query({ action: 'actor.added' });
          assert.equal(entry?.actor, 'bootstrap');
        } finally {
          await fresh.close();
        }
      });

      it('adds actors, issues and revokes tokens and lists them with an admin token', async () => {
        const added = await runScript(
          'awf-actors',
          ['add', 'operator-7', '--role', 'operator', '--actor', 'admin'],
          as(tokens.admin),
        );
        assert.equal(added.code, 0, added.stderr);
        const addedToken = added.stdout.trim();
        const issued = await runScript(
          'awf-actors',
          ['token', 'viewer-1', '--ttl', '1h', '--json'],
          as(tokens.admin),
        );
        assert.equal(issued.code, 0, issued.stderr);
        const { tokenId } = JSON.parse(issued.stdout) as { tokenId: string };
        const [revoked, listed] = await runAll([
          () => runScript('awf-actors', ['revoke', '--token', tokenId], as(tokens.admin)),
          () => runScript('awf-actors', ['list'], as(tokens.admin)),
        ]);
        assert.equal(revoked?.code, 0, revoked?.stderr);
        assert.match(revoked?.stdout ?? '', new RegExp(`revoked token ${tokenId} of viewer-1`));
        assert.equal(listed?.code, 0, listed?.stderr);
        assert.match(listed?.stdout ?? '', /operator-7\s+operator\s+active/);
        assert.ok(!(listed?.stdout ?? '').includes(addedToken));
      });

      if (full) {
        it('warns when every admin token expires, and refuses to revoke the last one', async () => {
          const other = await target.open();
          try {
            const env = { AWF_DB_PATH: other.sqlitePath as string };
            const added = await runScript(
              'awf-actors',
              ['add', 'root', '--role', 'admin', '--ttl', '1h'],
              env,
            );
            assert.equal(added.code, 0, added.stderr);
            assert.match(added.stdout, /^awf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
            assert.match(
              added.stderr,
              /^warning: every admin token now expires, the last at \d{4}-\d{2}-\d{2}T[\d:.]+Z; after that nobody can manage actors with a token/m,
            );
            const token = added.stdout.trim();
            const revoked = await runScript('awf-actors', ['revoke', '--token', token.slice(4, 16)], {
              ...env,
              AWF_ADMIN_TOKEN: token,
            });
            assertUsageError(
              revoked,
              /is the last active, unexpired admin token/,
              'revoking the last admin token',
            );
          } finally {
            await other.close();
          }
        });
      }

      it('rejects bad input, a missing or non-admin token, with exit 2 and no change', async () => {
        const cases: Parameters<typeof expectAllRejected>[0] = [
          [
            'a second admin without a token',
            'awf-actors',
            ['add', 'root', '--role', 'admin'],
            as(undefined),
            /needs an admin token/,
          ],
          [
            'an operator adding actors',
            'awf-actors',
            ['add', 'x', '--role', 'viewer'],
            as(tokens.operator),
            /not allowed to actors\.manage/,
          ],
        ];
        if (full) {
          cases.push(
            ['no role', 'awf-actors', ['add', 'x'], as(tokens.admin), /add needs --role/],
            [
              'an existing name',
              'awf-actors',
              ['add', 'viewer-1', '--role', 'viewer'],
              as(tokens.admin),
              /already exists/,
            ],
          );
        }
        await expectAllRejected(cases, 2);
      });
    });

    describe('awf-rollout-set.ts', () => {
      it('runs the seed line and sets the stored global flag, one audit entry each', async () => {
        // A store of its own: the seed line runs on a store where no percentage was ever set.
        await withOwnStore(async ({ database, tokens, as }) => {
          const run = await runScript(
            'awf-rollout-set',
            ['--percent', '25', '--actor', 'admin'],
            as(tokens.admin),
          );
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, /rollout percent unset → 25 \(version \d+, audit #\d+\)/);
          assert.match(run.stderr, /global flag is off/);
          const flag = await runScript(
            'awf-rollout-set',
            ['--global', 'on', '--actor', 'operator-1'],
            as(tokens.operator),
          );
          assert.equal(flag.code, 0, flag.stderr);
          const entries = await database.db
            .selectFrom('audit_log')
            .select(['actor', 'action'])
            .where('action', 'like', 'rollout.%')
            .orderBy('seq')
            .execute();
          assert.deepEqual(entries, [
            { actor: 'admin', action: 'rollout.percent.set' },
            { actor: 'operator-1', action: 'rollout.flag.set' },
          ]);
          const status = await runScript('awf-rollout-set', ['--status', '--json'], {
            ...as(tokens.viewer),
            AWF_BUNDLE_ON: 'false',
          });
          assert.equal(status.code, 0, status.stderr);
          const { effective } = JSON.parse(status.stdout) as {
            effective: {
              globalEnabled: { value: boolean; source: string };
              percent: { value: number; source: string };
              warnings: string[];
            };
          };
          assert.deepEqual([effective.globalEnabled.value, effective.globalEnabled.source], [false, 'env']);
          assert.deepEqual([effective.percent.value, effective.percent.source], [25, 'store']);
          assert.match(
            effective.warnings.join('\n'),
            /AWF_BUNDLE_ON=false .* overrides the stored global flag \(on\)/,
          );
        });
      });

      it('--shadow 10 sets the stored shadow rate with one rollout.shadow.set entry', async () => {
        const run = await runScript(
          'awf-rollout-set',
          ['--shadow', '10', '--actor', 'admin'],
          as(tokens.admin),
        );
        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          /^shadow rate 0 → 10 % of legacy-routed turns \(version \d+, audit #\d+\)$/m,
        );
        const entries = await database.db
          .selectFrom('audit_log')
          .select(['actor', 'action', 'entity'])
          .where('action', '=', 'rollout.shadow.set')
          .execute();
        assert.deepEqual(entries, [{ actor: 'admin', action: 'rollout.shadow.set', entity: 'rollout' }]);
        const config = await database.db
          .selectFrom('rollout_config')
          .select('shadow_hundredths')
          .executeTakeFirst();
        assert.equal(config?.shadow_hundredths, 1000);
      });

      it('rejects every bad input with exit 2, one line, and no change (auth.denied the only trace)', async () => {
        const set = (args: string[], token = tokens.admin) => ['awf-rollout-set', args, as(token)] as const;
        const cases: Parameters<typeof expectAllRejected>[0] = [
          ['--percent 150', ...set(['--percent', '150', '--actor', 'admin']), /from 0 to 100 .* got "150"/],
          [
            '--shadow 100.5',
            ...set(['--shadow', '100.5', '--actor', 'admin']),
            /from 0 to 100 .* got "100.5"/,
          ],
          [
            '--shadow with --percent',
            ...set(['--shadow', '5', '--percent', '5', '--actor', 'admin']),
            /--shadow is a change of its own/,
          ],
          [
            'a viewer',
            ...set(['--percent', '5'], tokens.viewer),
            /viewer-1 \(role viewer\) is not allowed to rollout\.write/,
          ],
          [
            'a wrong token',
            ...set(['--percent', '5'], `awf_0123456789ab_${'A'.repeat(43)}`),
            /token is not valid/,
          ],
        ];
        if (full) {
          cases.push(
            ['--percent -1', ...set(['--percent', '-1', '--actor', 'admin']), /got "-1"/],
            ['--percent abc', ...set(['--percent', 'abc', '--actor', 'admin']), /got "abc"/],
            [
              '--percent without a value',
              ...set(['--percent', '--actor', 'admin']),
              /^error: --percent: needs a value; see --help$/,
            ],
            [
              'an unknown flag',
              ...set(['--percent', '5', '--yes']),
              /^error: --yes: unknown flag; see --help$/,
            ],
            [
              'an unknown actor',
              ...set(['--percent', '5', '--actor', 'ghost']),
              /--actor ghost: no such actor/,
            ],
            [
              'another actor',
              ...set(['--percent', '5', '--actor', 'operator-1']),
              /does not match the token's actor \(admin\)/,
            ],
            ['a missing token', 'awf-rollout-set', ['--percent', '5'], as(undefined), /set AWF_ADMIN_TOKEN/],
          );
        }
        // Denied: viewer, wrong token (+ unknown actor, other actor, missing token in the full run).
        await expectAllRejected(cases, full ? 5 : 2);
      });

      it('applies --global with --percent as one change: one entry, one rate-limit check, both or neither', async (t) => {
        // The state this test starts from, whatever ran before: flag on, percent 25.
        await plane().rollout.setRollout(await asAdmin(), { globalEnabled: true, percent: 25 });
        const admin = await plane().auth.authenticate({
          token: tokens.admin,
          permission: 'actors.manage',
          via: 'cli',
        });
        const fresh = (await plane().auth.addActor(admin, { name: 'operator-2', role: 'operator' })).token;
        const limitedTo1 = as(fresh);
        // The stored limit every process judges by (a caller's AWF_CHANGE_RATE_LIMIT is ignored).
        await plane().auth.setChangeRateLimit(admin, { changes: 1, windowSec: 60 });
        t.after(() => plane().auth.setChangeRateLimit(admin, { changes: 1000, windowSec: 60 }));
        const seq = Number((await plane().audit.head())?.seq);
        // The flag is on and the percent 25 already (above): the values stay, the change is recorded.
        const both = await runScript(
          'awf-rollout-set',
          ['--global', 'on', '--percent', '25', '--actor', 'operator-2'],
          limitedTo1,
        );
        assert.equal(both.code, 0, both.stderr);
        assert.match(
          both.stdout,
          /^global flag on → on, rollout percent 25 → 25 \(version \d+, audit #\d+\)\n$/,
        );
        const entries = await plane().audit.query({ afterSeq: seq, order: 'asc' });
        assert.deepEqual(
          entries.map((entry) => [entry.actor, entry.action, entry.details.previous, entry.details.new]),
          [
            [
              'operator-2',
              'rollout.set',
              { globalEnabled: true, percent: 25 },
              { globalEnabled: true, percent: 25 },
            ],
          ],
        );
        // Over the limit the whole command is refused: the flag does not change without the percent.
        await expectAllRejected(
          [
            [
              'a combined change over the rate limit',
              'awf-rollout-set',
              ['--global', 'off', '--percent', '50'],
              limitedTo1,
              /operator-2 made 1 changes in the last 60 s/,
            ],
          ],
          0,
        );
      });
    });

    describe('awf-override.ts', () => {
      it('runs the seed lines: user enable, session disable, list, clear-all', async () => {
        // The state this test starts from: percent 25 stored, no override.
        await plane().rollout.setRollout(await asAdmin(), { percent: 25 });
        await plane().rollout.clearAllOverrides(await asAdmin());
        const [user, session] = await runAll([
          () =>
            runScript(
              'awf-override',
              ['--user', 'user-123', '--enable', '--actor', 'admin'],
              as(tokens.admin),
            ),
          () =>
            runScript(
              'awf-override',
              [
                '--session',
                'session-456',
                '--disable',
                '--actor',
                'admin',
                '--ttl',
                '24h',
                '--reason',
                'stuck session',
              ],
              as(tokens.admin),
            ),
        ]);
        assert.equal(user?.code, 0, user?.stderr);
        assert.match(user?.stdout ?? '', /user user-123 enabled \(awf\)/);
        assert.equal(session?.code, 0, session?.stderr);
        assert.match(session?.stdout ?? '', /session session-456 disabled \(legacy\) until \d{4}-/);
        const list = await runScript('awf-override', ['--list'], as(tokens.viewer));
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /percent\s+25\s+\(source: store\)/);
        assert.match(list.stdout, /overrides \(2 active, 0 expired\)/);
        assert.match(list.stdout, /user\s+user-123\s+enable\s+no expiry/);
        assert.match(list.stdout, /reason: "stuck session"/);
        assert.match(list.stdout, /distribution of stored turns since/);
        assert.match(list.stdout, /active users by bucket/);
        const clear = await runScript('awf-override', ['--clear-all', '--actor', 'admin'], as(tokens.admin));
        assert.equal(clear.code, 0, clear.stderr);
        assert.match(clear.stdout, /cleared 2 override\(s\)/);
        const entry = await database.db
          .selectFrom('audit_log')
          .select(['action', 'details'])
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow();
        assert.equal(entry.action, 'override.cleared_all');
        assert.equal((JSON.parse(entry.details) as { previous: unknown[] }).previous.length, 2);
      });

      it('rejects every bad input with exit 2, one line, and no change', async () => {
        const operator = await plane().auth.authenticate({
          token: tokens.operator,
          permission: 'rollout.write',
          via: 'cli',
        });
        await plane().rollout.setOverride(operator, { kind: 'user', subjectId: 'keep-me', pipeline: 'awf' });
        const ov = (args: string[], token = tokens.operator) => ['awf-override', args, as(token)] as const;
        const cases: Parameters<typeof expectAllRejected>[0] = [
          [
            '--enable --disable',
            ...ov(['--user', 'u', '--enable', '--disable']),
            /--enable or --disable, not both/,
          ],
          ['no subject', ...ov(['--enable']), /--user <id> or --session <id>/],
          [
            'a past expiry',
            ...ov(['--user', 'u', '--enable', '--expires-at', '2020-01-01T00:00:00Z']),
            /not in the future/,
          ],
        ];
        if (full) {
          cases.push(
            [
              'clearing a missing override',
              ...ov(['--session', 'nope', '--clear']),
              /no override for session nope/,
            ],
            ['nothing to do', ...ov(['--user', 'u']), /nothing to do/],
            [
              'an expiry date that does not exist',
              ...ov(['--user', 'u', '--enable', '--expires-at', '2099-02-30T00:00:00Z']),
              /^error: --expires-at: "2099-02-30T00:00:00Z" is not a real date-time/,
            ],
            [
              'an unknown flag',
              ...ov(['--list', '--everything']),
              /^error: --everything: unknown flag; see --help$/,
            ],
            ['a viewer', ...ov(['--user', 'u', '--enable'], tokens.viewer), /not allowed to rollout\.write/],
          );
        }
        await expectAllRejected(cases, full ? 1 : 0);
      });
    });

    describe('audit-logs.ts', () => {
      it('lists recent entries, filters, exports NDJSON, checkpoints and verifies', async () => {
        // A store of its own: the test breaks its audit chain on purpose. And a temp dir of its own
        // for the exported checkpoints, removed afterwards.
        const dir = mkdtempSync(path.join(tmpdir(), 'awf-audit-logs-'));
        const checkpointFile = path.join(dir, 'checkpoints.ndjson');
        try {
          await withOwnStore(async ({ database, tokens, as }) => {
            // What the queries below look for: the admin's override changes and one auth.denied entry.
            const own = wireControlPlane(database);
            const admin = await own.auth.authenticate({
              token: tokens.admin,
              permission: 'rollout.write',
              via: 'cli',
            });
            await own.rollout.setOverride(admin, { kind: 'user', subjectId: 'user-123', pipeline: 'awf' });
            await own.rollout.setOverride(admin, {
              kind: 'session',
              subjectId: 'session-456',
              pipeline: 'legacy',
            });
            await own.rollout.clearAllOverrides(admin);
            await assert.rejects(
              own.auth.authenticate({ token: 'letmein', permission: 'audit.read', via: 'cli' }),
            );
            const [recent, filtered, exported, checkpoint] = await runAll([
              () => runScript('audit-logs', ['--recent'], as(tokens.auditor)),
              () =>
                runScript(
                  'audit-logs',
                  ['--actor', 'admin', '--action', 'override.*', '--json'],
                  as(tokens.auditor),
                ),
              () => runScript('audit-logs', ['--export'], as(tokens.admin)),
              () => runScript('audit-logs', ['--checkpoint'], as(tokens.auditor)),
            ]);
            assert.equal(recent?.code, 0, recent?.stderr);
            assert.match(recent?.stdout ?? '', /^#\d+ \S+ admin override\.cleared_all overrides /m);
            assert.match(recent?.stdout ?? '', /auth\.denied auth \{/);
            const filteredEntries = JSON.parse(filtered?.stdout ?? '') as Array<{
              actor: string;
              action: string;
            }>;
            assert.ok(filteredEntries.length >= 3);
            assert.ok(
              filteredEntries.every(
                (entry) => entry.actor === 'admin' && entry.action.startsWith('override.'),
              ),
            );
            const lines = (exported?.stdout ?? '').trim().split('\n');
            assert.deepEqual(
              lines.map((line) => (JSON.parse(line) as { seq: number }).seq),
              lines.map((_, i) => i + 1),
            );
            assert.equal(checkpoint?.code, 0, checkpoint?.stderr);
            writeFileSync(checkpointFile, checkpoint?.stdout ?? '');

            const verified = await runScript(
              'audit-logs',
              ['--verify', '--checkpoints', checkpointFile],
              as(tokens.auditor),
            );
            assert.equal(verified.code, 0, verified.stderr);
            assert.match(
              verified.stdout,
              /audit chain OK: \d+ entries, head #\d+ [0-9a-f]{64}; 2 checkpoint\(s\) match/,
            );

            // An attacker with database access edits entry 2 around the triggers: --verify names it, exit 1.
            if (database.dialect === 'postgres') {
              await sql`alter table audit_log disable trigger user`.execute(database.db);
            } else {
              await sql`drop trigger audit_log_no_update`.execute(database.db);
            }
            await sql`update audit_log set actor = 'mallory' where seq = 2`.execute(database.db);
            const broken = await runScript('audit-logs', ['--verify'], as(tokens.auditor));
            assert.equal(broken.code, 1, broken.stderr);
            assert.match(broken.stdout, /audit chain BROKEN at #2: CONTENT_MISMATCH/);
            assert.ok(readFileSync(checkpointFile, 'utf8').includes('"seq"'));
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      if (full) {
        it('--verify says when signatures were checked only against the embedded key; the configured key is trusted by default', async () => {
          const other = await target.open();
          try {
            const dir = path.dirname(other.sqlitePath as string);
            const keys = generateKeyPairSync('ed25519', {
              privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
              publicKeyEncoding: { type: 'spki', format: 'pem' },
            });
            writeFileSync(path.join(dir, 'signing.pem'), keys.privateKey);
            writeFileSync(path.join(dir, 'signing.pub'), keys.publicKey);
            const admin = await wireControlPlane(other).auth.addFirstAdmin({ name: 'root', via: 'cli' });
            const env = { AWF_DB_PATH: other.sqlitePath as string, AWF_ADMIN_TOKEN: admin.token };
            const signing = { ...env, AWF_AUDIT_SIGNING_KEY_FILE: path.join(dir, 'signing.pem') };
            const checkpoint = await runScript('audit-logs', ['--checkpoint'], signing);
            assert.equal(checkpoint.code, 0, checkpoint.stderr);
            const trusted = await runScript('audit-logs', ['--verify'], signing);
            assert.equal(trusted.code, 0, trusted.stderr);
            assert.match(
              trusted.stdout,
              /1 checkpoint\(s\) match \(1 signed, verified against the trusted key\)/,
            );

            // Whoever rewrites the log and its checkpoints re-signs them with a key of their own.
            const { seq, hash, createdAt } = JSON.parse(checkpoint.stdout) as AuditCheckpoint;
            const forger = createCheckpointSigner(generateKeyPairSync('ed25519').privateKey);
            await sql`drop trigger audit_checkpoints_no_update`.execute(other.db);
            await sql`update audit_checkpoints set public_key = ${forger.publicKeyBase64}, signature = ${forger.sign(checkpointSigningText({ seq, hash, createdAt }))}`.execute(
              other.db,
            );
            const [embedded, configured, given] = await runAll([
              () => runScript('audit-logs', ['--verify'], env),
              () => runScript('audit-logs', ['--verify'], signing),
              () => runScript('audit-logs', ['--verify', '--public-key', path.join(dir, 'signing.pub')], env),
            ]);
            assert.equal(embedded?.code, 0, embedded?.stderr);
            assert.match(
              embedded?.stdout ?? '',
              /\(1 signed, checked only against the key embedded in each checkpoint: not verified against a trusted key \(give --public-key, or set AWF_AUDIT_SIGNING_KEY_FILE\)\)\n$/,
            );
            for (const run of [configured, given]) {
              assert.equal(run?.code, 1, run?.stderr);
              assert.match(run?.stdout ?? '', /audit chain BROKEN at #\d+: CHECKPOINT_SIGNATURE_INVALID/);
            }
          } finally {
            await other.close();
          }
        });

        it('rejects bad input and roles without audit access, with exit 2', async () => {
          const logs = (args: string[], token = tokens.auditor) => ['audit-logs', args, as(token)] as const;
          await expectAllRejected(
            [
              ['a viewer', ...logs(['--recent'], tokens.viewer), /not allowed to audit\.read/],
              [
                '--limit 0',
                ...logs(['--recent', '--limit', '0']),
                /--limit: must be an integer from 1 to 10000/,
              ],
            ],
            1,
          );
        });
      }
    });

    describe('--help', () => {
      if (full) {
        it('prints usage and exits 0 for every script', async () => {
          const runs = await runAll(
            ['awf-rollout-set', 'awf-override', 'audit-logs', 'awf-actors'].map(
              (script) => () => runScript(script, ['--help'], store),
            ),
          );
          for (const run of runs) {
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /^Usage:$/m);
            assert.match(run.stdout, /Exit codes: 0/);
          }
        });
      }
    });

    describe('a running server', () => {
      it("applies a script's change within a second, without restart", async () => {
        let services: Services | undefined;
        try {
          // A short poll leaves most of the second to scheduling jitter on a loaded 2-core CI machine.
          services = await createServices(parseConfig({ ...store, AWF_ROLLOUT_POLL_MS: '100' }), {
            sloTimers: false,
          });
          // The state this test starts from, whatever ran before: flag on, percent 25, no override.
          await plane().rollout.setRollout(await asAdmin(), { globalEnabled: true, percent: 25 });
          await plane().rollout.clearAllOverrides(await asAdmin());
          await services.rolloutState.refresh();
          const route = services.router.decide;
          const subject = { sessionId: 'pickup-session', userId: 'user-2' }; // bucket 9920
          // Percent 25 and flag on: user-2 is outside the 25 %.
          assert.deepEqual(route(subject), { pipeline: 'legacy', reason: 'percent_bucket', bucket: 9920 });

          const raised = await runScript(
            'awf-rollout-set',
            ['--percent', '100', '--actor', 'admin'],
            as(tokens.admin),
          );
          assert.equal(raised.code, 0, raised.stderr);
          while (route(subject).pipeline !== 'awf') {
            assert.ok(Date.now() - raised.exitedAt < 1000, 'the percentage did not arrive within a second');
            await sleep(10);
          }
          const override = await runScript(
            'awf-override',
            ['--session', 'pickup-session', '--disable', '--actor', 'admin'],
            as(tokens.admin),
          );
          assert.equal(override.code, 0, override.stderr);
          while (route(subject).reason !== 'session_override') {
            assert.ok(Date.now() - override.exitedAt < 1000, 'the override did not arrive within a second');
            await sleep(10);
          }
          assert.equal(route(subject).pipeline, 'legacy');
        } finally {
          await services?.close();
        }
      });
    });
  });
}
