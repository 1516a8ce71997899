import { parseConfig } from '../config/config.js';
import { createProcessSlot, type ProcessSlot } from '../shared/process-slot.js';
import { createUnwiredRouter, type UnwiredRouter } from './process-router.js';
import { InvalidPercentError } from './rollout-errors.js';
import { BUCKETS, bucketOf, isBucketEnabled, type Router, type RouteSubject } from './route-decision.js';

// The stored-state model lives in rollout-state.ts (so stores and the unwired router share it without a
// cycle); the seed's file keeps exporting it.
export {
  buildRolloutSnapshot,
  type EffectiveRollout,
  hundredthsToPercent,
  isOverrideExpired,
  NOTHING_STORED,
  type OverrideKind,
  percentToHundredths,
  type RolloutEnvironment,
  type RolloutOverride,
  resolveEffectiveRollout,
  type SourcedValue,
  type StoredRolloutState,
  type ValueSource,
} from './rollout-state.js';
export { BUCKETS, bucketOf, isBucketEnabled };

const PERCENT_PATTERN = /^\d{1,3}(\.\d{1,2})?$/;

/** A percent as typed (`25`, `12.5`, `0.01`): 0–100, at most two decimals; else ROLLOUT_INVALID_PERCENT. */
export function parsePercent(text: string): number {
  const value = Number(text);
  if (!PERCENT_PATTERN.test(text) || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidPercentError(text);
  }
  return value;
}

/**
 * The same rule for a number that arrived already parsed (the HTTP body), applied to the number's own
 * shortest decimal form, exactly as the CLI applies it to the typed text: 25.000000001 is refused rather
 * than stored as 25 while the audit entry says otherwise.
 */
export function assertPercent(value: number): number {
  if (!Number.isFinite(value)) throw new InvalidPercentError(String(value));
  return parsePercent(String(value));
}

/**
 * The process's router, filled by the composition root (the live snapshot the turns use). Unwired, a
 * router over the same stored state (process-router.ts): read synchronously on SQLite, after
 * `ready()` on PostgreSQL.
 */
export const processRouter: ProcessSlot<Router> = createProcessSlot<Router>(() =>
  createUnwiredRouter(parseConfig(process.env)),
);

/**
 * The seed's `isAwfBundleEnabled({sessionId})`: whether this process would route the subject's next
 * turn to AWF, decided like a turn is (DESIGN §3) from the stored rollout state and this process's
 * environment. Wired (createServices), it asks the live router; unwired, it reads the store (SQLite:
 * synchronously; PostgreSQL: `await ready()` first, else it throws ROLLOUT_STATE_NOT_READY).
 */
export function isAwfBundleEnabled(subject: RouteSubject): boolean {
  return processRouter.get().decide(subject).pipeline === 'awf';
}

/**
 * Makes `isAwfBundleEnabled` answerable: in a process that wired nothing it reads the stored rollout
 * state now (required once on PostgreSQL; harmless on SQLite); in a wired process it does nothing.
 * Rejects when the store cannot be reached.
 */
export async function ready(): Promise<void> {
  const router = processRouter.get();
  if (isUnwiredRouter(router)) await router.ready();
}

function isUnwiredRouter(router: Router): router is UnwiredRouter {
  return typeof (router as Partial<UnwiredRouter>).ready === 'function';
}
