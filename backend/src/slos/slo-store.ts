import type { AuditEvent } from '../audit/audit-types.js';
import type { AlertName, SloSeverity, SloState, SloWindow } from './slo-definitions.js';
import type { AggregatePipeline, FeedbackCounts, MinuteAggregate, ShadowCounts } from './turn-aggregates.js';

/** One instance's aggregate for one minute and pipeline, as stored (the sketch encoded). */
export interface StoredMinute {
  minute: number;
  instanceId: string;
  pipeline: AggregatePipeline;
  turns: number;
  retries: number;
  fallbacks: number;
  fallbackReasons: Record<string, number>;
  /** Turns that failed outright. */
  failures: number;
  /** `LatencySketch.encode()` output. */
  latencySketch: string;
  /** Ratings of answers by this pipeline (a fallback's rating is on the legacy row); deltas, see FeedbackCounts. */
  feedback: FeedbackCounts;
  /** Shadow runs' agreement, spend and drops (pipeline awf_shadow; absent or zero elsewhere). */
  shadow?: ShadowCounts;
  /** Sessions whose first turn the percentage bucket routed to this pipeline (migration 014). */
  newSessions?: number;
  /** Tokens and bundle bytes summed over the minute's turns (migration 013; zero on older rows and awf_shadow; absent counts zero). */
  tokensIn?: number;
  tokensOut?: number;
  bundleBytes?: number;
}

/** An SLO alert: open while `resolvedAt` is undefined; at most one open per SLO across all instances. */
export interface SloAlert {
  id: string;
  slo: AlertName;
  severity: SloSeverity;
  window: SloWindow;
  threshold: number;
  firedValue: number;
  firedSample: number;
  /** ISO 8601. */
  firedAt: string;
  firedBy: string;
  resolvedAt?: string;
  resolvedValue?: number;
  resolvedSample?: number;
  resolvedBy?: string;
  resolvedReason?: SloResolutionReason;
}

/**
 * Why an alert resolved: `recovered`, the value came back to or below the resolve point; `no_data`,
 * too few AWF turns to judge for several evaluations in a row; `rolled_back`, the rollout routes
 * nobody to AWF any more (percent 0, the flag off, a switch), so the alert's traffic is gone.
 */
export type SloResolutionReason = 'recovered' | 'no_data' | 'rolled_back';

export interface SloResolution {
  resolvedAt: string;
  /** Null when a no_data resolution saw no AWF turn at all. */
  resolvedValue: number | null;
  resolvedSample: number;
  resolvedBy: string;
  resolvedReason: SloResolutionReason;
}

/** One SLO's value for one minute, as the timer's evaluation saw it (so "healthy for 7 days" is data). */
export interface SloHistoryPoint {
  minute: number;
  slo: AlertName;
  window: SloWindow;
  value: number | null;
  threshold: number;
  sample: number;
  state: SloState;
}

export interface PruneResult {
  minutes: number;
  history: number;
  alerts: number;
}

/** Where SLO aggregates, alerts and history live; shared by every instance on one database. */
export interface SloStore {
  /** Adds each aggregate into its (minute, instance, pipeline) row, creating it when missing. */
  mergeMinutes(instanceId: string, aggregates: readonly MinuteAggregate[], updatedAt: string): Promise<void>;
  /** Every instance's rows for minutes within [fromMinute, toMinute]. */
  listMinutes(fromMinute: number, toMinute: number): Promise<StoredMinute[]>;
  /**
   * Opens `alert` unless its SLO already has an open alert; true when this call opened it. The audit
   * event, when given, is appended in the same transaction.
   */
  fireAlert(alert: SloAlert, audit?: AuditEvent): Promise<boolean>;
  /** Resolves the open alert of `slo`; the resolved alert when this call resolved it, else undefined. */
  resolveAlert(
    slo: AlertName,
    resolution: SloResolution,
    audit?: (alert: SloAlert) => AuditEvent,
  ): Promise<SloAlert | undefined>;
  listOpenAlerts(): Promise<SloAlert[]>;
  /** Each SLO's most recent alert, open or resolved. */
  listLatestAlerts(): Promise<SloAlert[]>;
  /** Alerts fired at or after `sinceIso`, newest first. */
  listAlerts(sinceIso: string): Promise<SloAlert[]>;
  /** Upserts points by (minute, slo). */
  recordHistory(points: readonly SloHistoryPoint[]): Promise<void>;
  listHistory(fromMinute: number, toMinute: number): Promise<SloHistoryPoint[]>;
  /** Deletes minutes and history before `beforeMinute`, and alerts resolved before it. */
  prune(beforeMinute: number): Promise<PruneResult>;
}
