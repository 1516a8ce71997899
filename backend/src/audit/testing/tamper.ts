import type { Database } from '../../store/database.js';
import { sql } from '../../store/kysely-runtime.js';
import { canonicalEntryText, entryHash, GENESIS_HASH } from '../audit-chain.js';

/** Plays an attacker with direct database access: the append-only triggers are dropped first. */
export async function tamper(database: Database, statements: string[]): Promise<void> {
  if (database.dialect === 'postgres') {
    for (const table of ['audit_log', 'audit_checkpoints']) {
      await sql.raw(`alter table ${table} disable trigger user`).execute(database.db);
    }
  } else {
    for (const trigger of [
      'audit_log_no_update',
      'audit_log_no_delete',
      'audit_checkpoints_no_update',
      'audit_checkpoints_no_delete',
      'audit_log_no_overwrite',
      'audit_checkpoints_no_overwrite',
    ]) {
      await sql.raw(`drop trigger if exists ${trigger}`).execute(database.db);
    }
  }
  for (const statement of statements) await sql.raw(statement).execute(database.db);
}

/** Rewrites entry `seq`'s details and recomputes every hash from there on, as a careful forger would. */
export async function rewriteChainFrom(
  database: Database,
  seq: number,
  details: Record<string, unknown>,
): Promise<void> {
  const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  let prevHash = GENESIS_HASH;
  const statements: string[] = [];
  for (const row of rows) {
    const rowSeq = Number(row.seq);
    if (rowSeq >= seq) {
      const fields = {
        seq: rowSeq,
        id: row.id,
        actor: row.actor,
        action: row.action,
        entity: row.entity,
        details: rowSeq === seq ? details : (JSON.parse(row.details) as Record<string, unknown>),
        createdAt: row.created_at,
      };
      const canonical = canonicalEntryText(fields);
      const hash = entryHash(prevHash, canonical);
      const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
      statements.push(
        `update audit_log set details = ${quote(JSON.stringify(fields.details))}, canonical = ${quote(canonical)}, prev_hash = '${prevHash}', hash = '${hash}' where seq = ${rowSeq}`,
      );
      prevHash = hash;
    } else {
      prevHash = row.hash;
    }
  }
  await tamper(database, statements);
}
