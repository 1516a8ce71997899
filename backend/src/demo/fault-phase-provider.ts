import type { ModelProvider } from '../model/model-provider.js';

/** A model provider the demo can make faulty for a while: the fault phase of the rollout story. */
export interface FaultPhaseProvider extends ModelProvider {
  /** Whether calls go to the faulty provider now. */
  readonly faulty: boolean;
  setFaulty(on: boolean): void;
}

/**
 * Answers with `healthy` until `setFaulty(true)`, then with `faulty` (the same local model with its
 * fault rates raised), so a stage of the rollout can go bad on purpose and be seen rolling back.
 */
export function faultPhaseProvider(healthy: ModelProvider, faulty: ModelProvider): FaultPhaseProvider {
  let on = false;
  return {
    name: healthy.name,
    get faulty() {
      return on;
    },
    setFaulty(value) {
      on = value;
    },
    complete: (request) => (on ? faulty : healthy).complete(request),
  };
}
