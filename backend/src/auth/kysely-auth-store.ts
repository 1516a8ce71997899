import type { Selectable } from 'kysely';
import type { AuthActorsTable, AuthTokensTable } from '../store/schema.js';
import type { AuthStore, StoredActor, StoredToken } from './auth-store.js';

/** The AuthStore over Kysely, one implementation for SQLite and PostgreSQL. */
export function createKyselyAuthStore(): AuthStore {
  return {
    async findActor(ex, name) {
      const row = await ex.selectFrom('auth_actors').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toActor(row);
    },

    async findToken(ex, id) {
      const token = await ex.selectFrom('auth_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!token) return undefined;
      const actor = await ex
        .selectFrom('auth_actors')
        .selectAll()
        .where('name', '=', token.actor)
        .executeTakeFirstOrThrow();
      return { token: toToken(token), actor: toActor(actor) };
    },

    async countActiveAdmins(ex) {
      const row = await ex
        .selectFrom('auth_actors')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('role', '=', 'admin')
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async listUsableAdminTokens(ex, now) {
      const rows = await ex
        .selectFrom('auth_tokens')
        .innerJoin('auth_actors', 'auth_actors.name', 'auth_tokens.actor')
        .selectAll('auth_tokens')
        .where('auth_actors.role', '=', 'admin')
        .where('auth_actors.revoked_at', 'is', null)
        .where('auth_tokens.revoked_at', 'is', null)
        // Both are toISOString() text, so they compare as instants.
        .where((eb) =>
          eb.or([eb('auth_tokens.expires_at', 'is', null), eb('auth_tokens.expires_at', '>', now)]),
        )
        .orderBy('auth_tokens.id')
        .execute();
      return rows.map(toToken);
    },

    async saveActor(ex, actor) {
      await ex
        .insertInto('auth_actors')
        .values({
          name: actor.name,
          role: actor.role,
          created_at: actor.createdAt,
          created_by: actor.createdBy,
          revoked_at: actor.revokedAt,
        })
        .onConflict((conflict) =>
          conflict.column('name').doUpdateSet({
            role: actor.role,
            created_at: actor.createdAt,
            created_by: actor.createdBy,
            revoked_at: actor.revokedAt,
          }),
        )
        .execute();
    },

    async insertToken(ex, token) {
      await ex
        .insertInto('auth_tokens')
        .values({
          id: token.id,
          actor: token.actor,
          token_hash: token.tokenHash,
          created_at: token.createdAt,
          created_by: token.createdBy,
          expires_at: token.expiresAt,
          revoked_at: token.revokedAt,
        })
        .execute();
    },

    async revokeActor(ex, name, at) {
      const active = await ex
        .selectFrom('auth_tokens')
        .select('id')
        .where('actor', '=', name)
        .where('revoked_at', 'is', null)
        .orderBy('id')
        .execute();
      await ex.updateTable('auth_actors').set({ revoked_at: at }).where('name', '=', name).execute();
      await ex
        .updateTable('auth_tokens')
        .set({ revoked_at: at })
        .where('actor', '=', name)
        .where('revoked_at', 'is', null)
        .execute();
      return active.map((row) => row.id);
    },

    async revokeToken(ex, id, at) {
      await ex.updateTable('auth_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
    },

    async listActors(ex) {
      return (await ex.selectFrom('auth_actors').selectAll().orderBy('name').execute()).map(toActor);
    },

    async readChangeRateLimit(ex) {
      const row = await ex.selectFrom('auth_settings').selectAll().where('id', '=', 1).executeTakeFirst();
      if (!row || row.change_rate_limit === null || row.change_rate_window_s === null) return undefined;
      return {
        changes: Number(row.change_rate_limit),
        windowSec: Number(row.change_rate_window_s),
        updatedAt: row.updated_at,
        updatedBy: row.updated_by,
      };
    },

    async saveChangeRateLimit(ex, limit) {
      await ex
        .updateTable('auth_settings')
        .set({
          change_rate_limit: limit.changes,
          change_rate_window_s: limit.windowSec,
          updated_at: limit.updatedAt,
          updated_by: limit.updatedBy,
        })
        .where('id', '=', 1)
        .execute();
    },

    async listTokens(ex) {
      return (
        await ex.selectFrom('auth_tokens').selectAll().orderBy('created_at').orderBy('id').execute()
      ).map(toToken);
    },
  };
}

function toActor(row: Selectable<AuthActorsTable>): StoredActor {
  return {
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
  };
}

function toToken(row: Selectable<AuthTokensTable>): StoredToken {
  return {
    id: row.id,
    actor: row.actor,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}
