import type { Selectable } from 'kysely';
import type { AuditAppender } from '../audit/audit-types.js';
import type { Database } from '../store/database.js';
import type { SloAlertsTable, SloHistoryTable, SloMinutesTable } from '../store/schema.js';
import { withWriteTransaction } from '../store/write-transaction.js';
import { LatencySketch } from './latency-sketch.js';
import type { AlertName, SloSeverity, SloState, SloWindow } from './slo-definitions.js';
import type { SloAlert, SloHistoryPoint, SloResolutionReason, SloStore, StoredMinute } from './slo-store.js';
import {
  emptyAggregate,
  type FeedbackCounts,
  mergeAggregate,
  type ShadowCounts,
  type TurnAggregate,
} from './turn-aggregates.js';

/**
 * The SloStore over Kysely, one implementation for SQLite and PostgreSQL. `audit`, when given, records
 * alert changes in the same transaction as the alert row (DESIGN §4: alerts are audited).
 */
export function createKyselySloStore(database: Database, audit?: AuditAppender): SloStore {
  const { db } = database;
  return {
    async mergeMinutes(instanceId, aggregates, updatedAt) {
      if (aggregates.length === 0) return;
      await withWriteTransaction(database, async (trx) => {
        for (const aggregate of aggregates) {
          const key = { minute: aggregate.minute, instance_id: instanceId, pipeline: aggregate.pipeline };
          // Create the row first so the row lock has a row to lock: two processes sharing an instance id
          // then add their deltas one after the other instead of one overwriting the other.
          await trx
            .insertInto('slo_minutes')
            .values({ ...key, ...toMinuteColumns(emptyAggregate()), updated_at: updatedAt })
            .onConflict((conflict) => conflict.columns(['minute', 'instance_id', 'pipeline']).doNothing())
            .execute();
          const row = await database.adapter
            .lockRowsForUpdate(
              trx
                .selectFrom('slo_minutes')
                .selectAll()
                .where('minute', '=', key.minute)
                .where('instance_id', '=', key.instance_id)
                .where('pipeline', '=', key.pipeline),
            )
            .executeTakeFirstOrThrow();
          const merged = toTurnAggregate(row);
          mergeAggregate(merged, aggregate);
          await trx
            .updateTable('slo_minutes')
            .set({ ...toMinuteColumns(merged), updated_at: updatedAt })
            .where('minute', '=', key.minute)
            .where('instance_id', '=', key.instance_id)
            .where('pipeline', '=', key.pipeline)
            .execute();
        }
      });
    },

    async listMinutes(fromMinute, toMinute) {
      const rows = await db
        .selectFrom('slo_minutes')
        .selectAll()
        .where('minute', '>=', fromMinute)
        .where('minute', '<=', toMinute)
        .orderBy('minute')
        .orderBy('instance_id')
        .orderBy('pipeline')
        .execute();
      return rows.map(toStoredMinute);
    },

    async fireAlert(alert, event) {
      return withWriteTransaction(database, async (trx) => {
        const inserted = await trx
          .insertInto('slo_alerts')
          .values({
            id: alert.id,
            slo: alert.slo,
            severity: alert.severity,
            eval_window: alert.window,
            threshold: alert.threshold,
            fired_value: alert.firedValue,
            fired_sample: alert.firedSample,
            fired_at: alert.firedAt,
            fired_by: alert.firedBy,
            resolved_at: null,
            resolved_value: null,
            resolved_sample: null,
            resolved_by: null,
            resolved_reason: null,
          })
          // The partial unique index allows one open alert per SLO: another instance got there first.
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        const opened = Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
        if (opened && audit && event) await audit.appendInTransaction(trx, event);
        return opened;
      });
    },

    async resolveAlert(slo, resolution, event) {
      return withWriteTransaction(database, async (trx) => {
        const open = await trx
          .selectFrom('slo_alerts')
          .selectAll()
          .where('slo', '=', slo)
          .where('resolved_at', 'is', null)
          .executeTakeFirst();
        if (!open) return undefined;
        const updated = await trx
          .updateTable('slo_alerts')
          .set({
            resolved_at: resolution.resolvedAt,
            resolved_value: resolution.resolvedValue,
            resolved_sample: resolution.resolvedSample,
            resolved_by: resolution.resolvedBy,
            resolved_reason: resolution.resolvedReason,
          })
          .where('id', '=', open.id)
          .where('resolved_at', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return undefined;
        const { resolvedValue, ...rest } = resolution;
        const resolved: SloAlert = {
          ...toSloAlert(open),
          ...rest,
          ...(resolvedValue === null ? {} : { resolvedValue }),
        };
        if (audit && event) await audit.appendInTransaction(trx, event(resolved));
        return resolved;
      });
    },

    async listOpenAlerts() {
      const rows = await db
        .selectFrom('slo_alerts')
        .selectAll()
        .where('resolved_at', 'is', null)
        .orderBy('fired_at')
        .execute();
      return rows.map(toSloAlert);
    },

    async listLatestAlerts() {
      const rows = await db
        .selectFrom('slo_alerts as latest')
        .selectAll('latest')
        .where('latest.fired_at', '=', (eb) =>
          eb
            .selectFrom('slo_alerts as other')
            .select((other) => other.fn.max('other.fired_at').as('fired_at'))
            .whereRef('other.slo', '=', 'latest.slo'),
        )
        .orderBy('latest.slo')
        .execute();
      return rows.map(toSloAlert);
    },

    async listAlerts(sinceIso) {
      const rows = await db
        .selectFrom('slo_alerts')
        .selectAll()
        .where('fired_at', '>=', sinceIso)
        .orderBy('fired_at', 'desc')
        .execute();
      return rows.map(toSloAlert);
    },

    async recordHistory(points) {
      if (points.length === 0) return;
      // One statement for the evaluation's points (one per SLO): it runs every minute on every instance.
      // Keyed by (minute, slo), so a point given twice keeps the last one.
      const latest = new Map(points.map((point) => [`${point.minute}\u0000${point.slo}`, point]));
      await withWriteTransaction(database, async (trx) => {
        await trx
          .insertInto('slo_history')
          .values(
            [...latest.values()].map((point) => ({
              minute: point.minute,
              slo: point.slo,
              eval_window: point.window,
              value: point.value,
              threshold: point.threshold,
              sample: point.sample,
              state: point.state,
            })),
          )
          .onConflict((conflict) =>
            conflict.columns(['minute', 'slo']).doUpdateSet((eb) => ({
              eval_window: eb.ref('excluded.eval_window'),
              value: eb.ref('excluded.value'),
              threshold: eb.ref('excluded.threshold'),
              sample: eb.ref('excluded.sample'),
              state: eb.ref('excluded.state'),
            })),
          )
          .execute();
      });
    },

    async listHistory(fromMinute, toMinute) {
      const rows = await db
        .selectFrom('slo_history')
        .selectAll()
        .where('minute', '>=', fromMinute)
        .where('minute', '<=', toMinute)
        .orderBy('minute')
        .orderBy('slo')
        .execute();
      return rows.map(toHistoryPoint);
    },

    async prune(beforeMinute) {
      const beforeIso = new Date(beforeMinute * 60_000).toISOString();
      return withWriteTransaction(database, async (trx) => {
        const minutes = await trx
          .deleteFrom('slo_minutes')
          .where('minute', '<', beforeMinute)
          .executeTakeFirst();
        const history = await trx
          .deleteFrom('slo_history')
          .where('minute', '<', beforeMinute)
          .executeTakeFirst();
        const alerts = await trx
          .deleteFrom('slo_alerts')
          .where('resolved_at', 'is not', null)
          .where('resolved_at', '<', beforeIso)
          .executeTakeFirst();
        return {
          minutes: Number(minutes.numDeletedRows),
          history: Number(history.numDeletedRows),
          alerts: Number(alerts.numDeletedRows),
        };
      });
    },
  };
}

function toMinuteColumns(aggregate: TurnAggregate) {
  return {
    turns: aggregate.turns,
    retries: aggregate.retries,
    fallbacks: aggregate.fallbacks,
    fallback_reasons: JSON.stringify(aggregate.fallbackReasons),
    failures: aggregate.failures,
    latency_sketch: aggregate.latency.encode(),
    feedback_up: aggregate.feedback.up,
    feedback_down: aggregate.feedback.down,
    feedback_down_reasons: JSON.stringify(aggregate.feedback.downReasons),
    shadow_valid_after_retry: aggregate.shadow.validAfterRetry,
    shadow_compared: aggregate.shadow.compared,
    shadow_same_scene: aggregate.shadow.sameScene,
    shadow_same_scene_change: aggregate.shadow.sameSceneChange,
    shadow_same_acts: aggregate.shadow.sameActs,
    shadow_choice_shared: aggregate.shadow.choiceShared,
    shadow_choice_union: aggregate.shadow.choiceUnion,
    shadow_tokens_in: aggregate.shadow.tokensIn,
    shadow_tokens_out: aggregate.shadow.tokensOut,
    shadow_bundle_bytes: aggregate.shadow.bundleBytes,
    shadow_drop_reasons: JSON.stringify(aggregate.shadow.dropReasons),
    new_sessions: aggregate.newSessions,
    tokens_in: aggregate.tokensIn,
    tokens_out: aggregate.tokensOut,
    bundle_bytes: aggregate.bundleBytes,
  };
}

function toTurnAggregate(row: Selectable<SloMinutesTable>): TurnAggregate {
  return {
    turns: row.turns,
    retries: row.retries,
    fallbacks: row.fallbacks,
    fallbackReasons: JSON.parse(row.fallback_reasons) as Record<string, number>,
    failures: row.failures,
    latency: LatencySketch.decode(row.latency_sketch),
    feedback: toFeedbackCounts(row),
    shadow: toShadowCounts(row),
    newSessions: row.new_sessions,
    tokensIn: Number(row.tokens_in),
    tokensOut: Number(row.tokens_out),
    bundleBytes: Number(row.bundle_bytes),
  };
}

function toStoredMinute(row: Selectable<SloMinutesTable>): StoredMinute {
  return {
    minute: row.minute,
    instanceId: row.instance_id,
    pipeline: row.pipeline,
    turns: row.turns,
    retries: row.retries,
    fallbacks: row.fallbacks,
    fallbackReasons: JSON.parse(row.fallback_reasons) as Record<string, number>,
    failures: row.failures,
    latencySketch: row.latency_sketch,
    feedback: toFeedbackCounts(row),
    shadow: toShadowCounts(row),
    newSessions: row.new_sessions,
    tokensIn: Number(row.tokens_in),
    tokensOut: Number(row.tokens_out),
    bundleBytes: Number(row.bundle_bytes),
  };
}

function toShadowCounts(row: Selectable<SloMinutesTable>): ShadowCounts {
  return {
    validAfterRetry: row.shadow_valid_after_retry,
    compared: row.shadow_compared,
    sameScene: row.shadow_same_scene,
    sameSceneChange: row.shadow_same_scene_change,
    sameActs: row.shadow_same_acts,
    choiceShared: row.shadow_choice_shared,
    choiceUnion: row.shadow_choice_union,
    tokensIn: row.shadow_tokens_in,
    tokensOut: row.shadow_tokens_out,
    bundleBytes: row.shadow_bundle_bytes,
    dropReasons: JSON.parse(row.shadow_drop_reasons) as Record<string, number>,
  };
}

function toFeedbackCounts(row: Selectable<SloMinutesTable>): FeedbackCounts {
  return {
    up: row.feedback_up,
    down: row.feedback_down,
    downReasons: JSON.parse(row.feedback_down_reasons) as Record<string, number>,
  };
}

function toSloAlert(row: Selectable<SloAlertsTable>): SloAlert {
  return {
    id: row.id,
    slo: row.slo as AlertName,
    severity: row.severity as SloSeverity,
    window: row.eval_window as SloWindow,
    threshold: row.threshold,
    firedValue: row.fired_value,
    firedSample: row.fired_sample,
    firedAt: row.fired_at,
    firedBy: row.fired_by,
    ...(row.resolved_at === null ? {} : { resolvedAt: row.resolved_at }),
    ...(row.resolved_value === null ? {} : { resolvedValue: row.resolved_value }),
    ...(row.resolved_sample === null ? {} : { resolvedSample: row.resolved_sample }),
    ...(row.resolved_by === null ? {} : { resolvedBy: row.resolved_by }),
    ...(row.resolved_at === null ? {} : { resolvedReason: resolutionReasonOf(row.resolved_reason) }),
  };
}

/** Rows resolved before migration 006 have no reason: they recovered. */
function resolutionReasonOf(stored: string | null): SloResolutionReason {
  return stored === 'no_data' || stored === 'rolled_back' ? stored : 'recovered';
}

function toHistoryPoint(row: Selectable<SloHistoryTable>): SloHistoryPoint {
  return {
    minute: row.minute,
    slo: row.slo as AlertName,
    window: row.eval_window as SloWindow,
    value: row.value,
    threshold: row.threshold,
    sample: row.sample,
    state: row.state as SloState,
  };
}
