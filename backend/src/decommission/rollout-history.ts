import type { AuditEntry } from '../audit/audit-types.js';

/**
 * When the rollout last reached "100 % with the global flag on", read from the audit log: the flag and
 * percentage changes the rollout service records (`rollout.set`, `rollout.flag.set`,
 * `rollout.percent.set`) and the staged plan's steps (`plan.advanced`, `plan.completed`,
 * `plan.rolled_back`, `plan.previous`), replayed oldest first from "nothing stored".
 */

/** The actions that may move the global flag or the percentage. */
export const ROLLOUT_CHANGE_ACTIONS = ['rollout.set', 'rollout.flag.set', 'rollout.percent.set'] as const;
export const PLAN_STEP_ACTIONS = [
  'plan.advanced',
  'plan.completed',
  'plan.rolled_back',
  'plan.previous',
] as const;

/** The stored flag and percentage as the audit log says they were after an entry; null: nothing stored. */
export interface RolloutValues {
  globalEnabled: boolean | null;
  percent: number | null;
}

/** One flag or percentage change as the check shows it. */
export interface RolloutChangeSeen {
  seq: number;
  at: string;
  actor: string;
  action: string;
  /** The values after the entry (an unreadable plan step: the stored percentage assumed). */
  after: RolloutValues;
  /** A plan step whose new percentage could not be read: it restarts the count, to be safe. */
  unreadable?: true;
}

export interface FullRolloutHistory {
  /** When the current run of "100 % and flag on" began (null: the history does not end in it). */
  since: string | null;
  /** The values the replay ends with. */
  replayed: RolloutValues;
  /** Every change seen, oldest first. */
  changes: RolloutChangeSeen[];
}

const isFull = (values: RolloutValues): boolean => values.globalEnabled === true && values.percent === 100;

/**
 * Replays `entries` (any order; only the actions above count) and says since when the rollout has been
 * at 100 % with the flag on. A plan step that moves the percentage without one it can read (see
 * planStepPercent; `plan.completed` without one moves nothing) is taken to have set the `stored` percentage (what it
 * must have led to unless a later entry says otherwise) and restarts the count at its time: the check
 * never claims a longer run than the log proves.
 */
export function replayFullRollout(
  entries: readonly AuditEntry[],
  stored?: RolloutValues,
): FullRolloutHistory {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  let values: RolloutValues = { globalEnabled: null, percent: null };
  let since: string | null = null;
  const changes: RolloutChangeSeen[] = [];
  for (const entry of ordered) {
    const change = valuesAfter(entry, values, stored);
    if (change === undefined) continue;
    const wasFull = isFull(values);
    values = change.values;
    changes.push({
      seq: entry.seq,
      at: entry.createdAt,
      actor: entry.actor,
      action: entry.action,
      after: values,
      ...(change.unreadable ? { unreadable: true as const } : {}),
    });
    if (!isFull(values)) since = null;
    else if (!wasFull || change.unreadable) since = entry.createdAt;
  }
  return { since, replayed: values, changes };
}

/** The values after `entry`, or undefined when the entry is not a flag or percentage change. */
function valuesAfter(
  entry: AuditEntry,
  before: RolloutValues,
  stored: RolloutValues | undefined,
): { values: RolloutValues; unreadable?: boolean } | undefined {
  const details = entry.details;
  switch (entry.action) {
    case 'rollout.set': {
      const next = details.new as Partial<RolloutValues> | undefined;
      return {
        values: {
          globalEnabled: next?.globalEnabled ?? before.globalEnabled,
          percent: next?.percent ?? before.percent,
        },
      };
    }
    case 'rollout.flag.set':
      return { values: { ...before, globalEnabled: asBooleanOrNull(details.new) } };
    case 'rollout.percent.set':
      return { values: { ...before, percent: asNumberOrNull(details.new) } };
    default: {
      if (!(PLAN_STEP_ACTIONS as readonly string[]).includes(entry.action)) return undefined;
      const percent = planStepPercent(details);
      // Completing the last stage moves no percentage: the plan records `rollout` only when it does.
      if (percent === undefined && entry.action === 'plan.completed') return undefined;
      return percent === undefined
        ? { values: { ...before, percent: stored?.percent ?? before.percent }, unreadable: true }
        : { values: { ...before, percent } };
    }
  }
}

/**
 * The percentage a plan step moved to: `rollout.newPercent` (what the plan records when a step changes
 * the percentage), else a number under `new`, `new.percent`, `percent`, `toPercent` or `stagePercent`;
 * undefined when none is a number.
 */
export function planStepPercent(details: Record<string, unknown>): number | undefined {
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const next = details.new;
  const candidates = [
    field(details.rollout, 'newPercent'),
    typeof next === 'object' && next !== null ? field(next, 'percent') : next,
    details.percent,
    details.toPercent,
    details.stagePercent,
  ];
  return candidates.find((value): value is number => typeof value === 'number' && Number.isFinite(value));
}

const asBooleanOrNull = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
const asNumberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
