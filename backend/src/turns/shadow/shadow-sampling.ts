import { murmurhash3Prefixed } from '../../shared/murmurhash3.js';

const BUCKETS = 10_000;

/**
 * Whether a legacy-routed turn also runs AWF in the shadow: `murmurhash3_x86_32("shadow:" + sessionId
 * + ":" + turnNo, seed 0) mod 10000 < percent × 100`. Deterministic per turn, so a rerun of the same
 * turns samples the same ones, and independent of the player's rollout bucket.
 */
export function isShadowSampled(sessionId: string, turnNo: number, percent: number): boolean {
  if (!(percent > 0)) return false;
  return shadowBucketOf(sessionId, turnNo) < Math.round(percent * 100);
}

/** The turn's 0–9999 shadow bucket. */
export function shadowBucketOf(sessionId: string, turnNo: number): number {
  return murmurhash3Prefixed('shadow:', `${sessionId}:${turnNo}`, 0) % BUCKETS;
}
