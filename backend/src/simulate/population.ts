import type { RolloutSnapshot, Router } from '../rollout/route-decision.js';

/** Players the simulated turns come from; enough that the share the router sends to AWF is close to its percent. */
export const SIMULATED_PLAYERS = 10_000;

/**
 * The share of the simulated players the real router sends to AWF. Each player's bucket is its own
 * (the router hashes its id), so the share is the router's answer over the whole population; it is
 * asked again only when the router's snapshot was replaced (a rollout change it picked up).
 */
export function createRoutedShare(
  router: Router,
  currentSnapshot: () => RolloutSnapshot | undefined,
  players = SIMULATED_PLAYERS,
): () => number {
  let seen: RolloutSnapshot | undefined | null = null;
  let share = 0;
  return () => {
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
  };
}
