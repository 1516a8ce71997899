/**
 * The controller's incremental read of the gate windows: minutes older than `settleMinutes` are taken
 * as final (every instance flushes within seconds), so each evaluation reads only the unsettled tail
 * from the store and merges it with what it already holds — the whole-stage aggregate grows minute by
 * minute instead of being re-read (a 7-day stage is 10 080 minutes per pipeline and instance). Replay
 * and status read the store in full, so a late flush shows up as a replay that disagrees.
 */
import { mergeMinutes } from '../slos/awf-slos.js';
import type { StoredMinute } from '../slos/slo-store.js';
import { emptyAggregate, mergeAggregate, type TurnAggregate } from '../slos/turn-aggregates.js';
import type { AssessmentEvidence, PlanInputsReader, WindowRange } from './plan-assessment.js';
import { type GateData, RECENT_WINDOWS, type RecentWindow, type WindowData } from './plan-gates.js';
import type { SampleRatioLook } from './plan-statistics.js';

/** Minutes younger than this are read again at every evaluation. */
export const DEFAULT_SETTLE_MINUTES = 3;

interface Pipelines {
  awf: TurnAggregate;
  legacy: TurnAggregate;
  shadow: TurnAggregate;
}

const emptyPipelines = (): Pipelines => ({
  awf: emptyAggregate(),
  legacy: emptyAggregate(),
  shadow: emptyAggregate(),
});

function mergeInto(into: Pipelines, from: Pipelines): void {
  mergeAggregate(into.awf, from.awf);
  mergeAggregate(into.legacy, from.legacy);
  mergeAggregate(into.shadow, from.shadow);
}

function byMinute(rows: readonly StoredMinute[]): Map<number, Pipelines> {
  const grouped = new Map<number, StoredMinute[]>();
  for (const row of rows) {
    const list = grouped.get(row.minute) ?? [];
    list.push(row);
    grouped.set(row.minute, list);
  }
  const result = new Map<number, Pipelines>();
  for (const [minute, list] of grouped) {
    const merged = mergeMinutes(list);
    result.set(minute, { awf: merged.awf, legacy: merged.legacy, shadow: merged.shadow });
  }
  return result;
}

function pushLook(looks: SampleRatioLook[], minute: Pipelines): void {
  const look = { awf: minute.awf.newSessions, legacy: minute.legacy.newSessions };
  if (look.awf + look.legacy > 0) looks.push(look);
}

export interface GateWindowCache {
  read(windows: AssessmentEvidence['windows']): Promise<GateData>;
}

export function createGateWindowCache(
  reader: Pick<PlanInputsReader, 'minutes'>,
  settleMinutes = DEFAULT_SETTLE_MINUTES,
): GateWindowCache {
  /** Settled minutes, merged across instances, for the recent windows. */
  const settled = new Map<number, Pipelines>();
  let stage:
    | { fromMinute: number; throughMinute: number; total: Pipelines; looks: SampleRatioLook[] }
    | undefined;

  const fetch = async (fromMinute: number, toMinute: number): Promise<Map<number, Pipelines>> =>
    fromMinute > toMinute ? new Map() : byMinute(await reader.minutes(fromMinute, toMinute));

  return {
    async read(windows) {
      const toMinute = windows.stage.toMinute;
      const settledThrough = toMinute - settleMinutes;
      const recentFrom = Math.min(...RECENT_WINDOWS.map((window) => windows[window].fromMinute));
      for (const minute of settled.keys())
        if (minute < recentFrom || minute > settledThrough) settled.delete(minute);
      // Settled minutes of the recent windows not held yet (one read of the missing span).
      let missingFrom: number | undefined;
      let missingTo: number | undefined;
      for (let minute = recentFrom; minute <= settledThrough; minute++) {
        if (!settled.has(minute)) {
          missingFrom ??= minute;
          missingTo = minute;
        }
      }
      if (missingFrom !== undefined && missingTo !== undefined) {
        const fetched = await fetch(missingFrom, missingTo);
        for (let minute = missingFrom; minute <= missingTo; minute++) {
          settled.set(minute, fetched.get(minute) ?? emptyPipelines());
        }
      }
      // The whole stage up to the settled horizon: extended, or read afresh for a new stage.
      const stageSettledThrough = Math.min(settledThrough, toMinute);
      if (
        !stage ||
        stage.fromMinute !== windows.stage.fromMinute ||
        stage.throughMinute > stageSettledThrough
      ) {
        stage = {
          fromMinute: windows.stage.fromMinute,
          throughMinute: windows.stage.fromMinute - 1,
          total: emptyPipelines(),
          looks: [],
        };
      }
      if (stage.throughMinute < stageSettledThrough) {
        const from = stage.throughMinute + 1;
        const fromCache = from >= recentFrom;
        const extension = fromCache ? undefined : await fetch(from, stageSettledThrough);
        for (let minute = from; minute <= stageSettledThrough; minute++) {
          const minuteData = fromCache ? settled.get(minute) : extension?.get(minute);
          if (minuteData) {
            mergeInto(stage.total, minuteData);
            pushLook(stage.looks, minuteData);
          }
        }
        stage.throughMinute = stageSettledThrough;
      }
      const tail = await fetch(
        Math.max(settledThrough + 1, Math.min(recentFrom, windows.stage.fromMinute)),
        toMinute,
      );
      const windowOf = (range: WindowRange, base?: Pipelines): WindowData => {
        const total = emptyPipelines();
        if (base) mergeInto(total, base);
        const firstOwn = base
          ? Math.max(range.fromMinute, (stage?.throughMinute ?? range.fromMinute - 1) + 1)
          : range.fromMinute;
        for (let minute = firstOwn; minute <= range.toMinute; minute++) {
          const minuteData = minute <= settledThrough ? settled.get(minute) : tail.get(minute);
          if (minuteData) mergeInto(total, minuteData);
        }
        return { ...range, ...total };
      };
      const recent = Object.fromEntries(
        RECENT_WINDOWS.map((window) => [window, windowOf(windows[window])]),
      ) as Record<RecentWindow, WindowData>;
      // The SRM test's looks: the settled stage minutes held, then the unsettled tail read afresh.
      const stageNewSessions = [...stage.looks];
      for (let minute = stage.throughMinute + 1; minute <= toMinute; minute++) {
        if (minute < windows.stage.fromMinute) continue;
        const minuteData = minute <= settledThrough ? settled.get(minute) : tail.get(minute);
        if (minuteData) pushLook(stageNewSessions, minuteData);
      }
      return { stage: windowOf(windows.stage, stage.total), recent, stageNewSessions };
    },
  };
}
