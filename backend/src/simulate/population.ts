import type { Pipeline } from '../game/game-types.js';
import type { RolloutSnapshot, Router } from '../rollout/route-decision.js';
import { deriveSeed, seededRandom } from '../shared/seeded-random.js';

/** Returning players the simulated turns of ongoing sessions come from. */
export const RETURNING_PLAYERS = 100_000;

/** The players of the simulation, every one routed by the real router. */
export interface SimulatedPlayers {
  /**
   * The share of the returning players the router sends to AWF now: each player's bucket is its own
   * (the router hashes its id), so this is the router's answer over the whole population, asked again
   * only when the router's snapshot was replaced (a rollout change it picked up).
   */
  awfShare(): number;
  /** A new player's first turn, routed by the router as it stands: where it went and whether the percentage bucket decided. */
  routeNewSession(): { pipeline: Pipeline; isBucketed: boolean };
}

export function createSimulatedPlayers(
  router: Router,
  currentSnapshot: () => RolloutSnapshot | undefined,
  options: { seed: number; returningPlayers?: number },
): SimulatedPlayers {
  const players = options.returningPlayers ?? RETURNING_PLAYERS;
  let seen: RolloutSnapshot | undefined | null = null;
  let share = 0;
  // New players get random UUIDs as real ones do: ids counted up (`player-1`, `player-2`, …) hash
  // with a measurable skew under murmur3, enough to trip the sample-ratio check over a day of sessions.
  const ids = seededRandom(deriveSeed(options.seed, 'new-players'));
  return {
    awfShare() {
      const snapshot = currentSnapshot();
      if (snapshot !== seen) {
        seen = snapshot;
        let awf = 0;
        for (let i = 0; i < players; i++) {
          const id = `sim-player-${i}`;
          if (router.decide({ sessionId: `${id}-session`, userId: id }).pipeline === 'awf') awf += 1;
        }
        share = awf / players;
      }
      return share;
    },
    routeNewSession() {
      const id = randomUuid(ids.next);
      const decision = router.decide({ sessionId: `${id}-session`, userId: id });
      return { pipeline: decision.pipeline, isBucketed: decision.reason === 'percent_bucket' };
    },
  };
}

/** A version-4 UUID from a seeded stream. */
function randomUuid(next: () => number): string {
  const hex = (digits: number) => {
    let text = '';
    for (let i = 0; i < digits; i++) text += Math.floor(next() * 16).toString(16);
    return text;
  };
  const variant = (8 + Math.floor(next() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
