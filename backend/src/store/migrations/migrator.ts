import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator } from '../kysely-runtime.js';

/**
 * Every migration, in order. To add one, create `NNN-what-it-does.ts` exporting `up` (and `down`) and
 * add one line at the end. Kysely applies them sorted by name, hence the zero-padded number.
 */
const MIGRATIONS: ReadonlyArray<readonly [name: string, load: () => Promise<Migration>]> = [
  ['001-sessions-and-turns', () => import('./001-sessions-and-turns.js')],
  ['002-rollout-audit-auth', () => import('./002-rollout-audit-auth.js')],
  ['003-golden-runs', () => import('./003-golden-runs.js')],
  ['004-slo', () => import('./004-slo.js')],
  ['005-slo-turn-failures', () => import('./005-slo-turn-failures.js')],
  ['006-slo-alert-resolution-reason', () => import('./006-slo-alert-resolution-reason.js')],
  ['007-player-feedback', () => import('./007-player-feedback.js')],
  ['008-ofrep-evaluations', () => import('./008-ofrep-evaluations.js')],
  ['009-audit-integrity', () => import('./009-audit-integrity.js')],
  ['010-retention-policy', () => import('./010-retention-policy.js')],
  ['011-golden-run-provider', () => import('./011-golden-run-provider.js')],
  ['012-shadow-turns', () => import('./012-shadow-turns.js')],
  ['013-dashboard-series', () => import('./013-dashboard-series.js')],
  ['014-rollout-plan', () => import('./014-rollout-plan.js')],
  ['015-golden-run-provenance', () => import('./015-golden-run-provenance.js')],
  ['016-turns-without-user-index', () => import('./016-turns-without-user-index.js')],
];

/** The migrations compiled into the program; nothing is read from the filesystem at run time. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    const loaded = await Promise.all(MIGRATIONS.map(async ([name, load]) => [name, await load()] as const));
    return Object.fromEntries(loaded);
  },
};

/** A Kysely Migrator over our migrations, for inspecting or stepping them. */
export function createMigrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

/**
 * Applies every pending migration and returns the names applied. Throws naming the migration that
 * failed; that migration's changes are rolled back (where the dialect's DDL is transactional).
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const what = failed ? `migration "${failed.migrationName}" failed` : 'migrations failed';
    throw new Error(`database ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
