import type { Kysely } from 'kysely';

/**
 * Why an SLO alert resolved: `recovered` (the value came back below the resolve point) or `no_data`
 * (too few AWF turns to judge for SLO_NO_DATA_RESOLVE_EVALUATIONS evaluations in a row). Null while
 * the alert is open; alerts resolved before this migration read as recovered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slo_alerts').addColumn('resolved_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slo_alerts').dropColumn('resolved_reason').execute();
}
