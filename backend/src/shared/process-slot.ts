/**
 * The one mechanism behind the seed's process-level accessors (`isAwfBundleEnabled`, `runAwfTurn` /
 * `runLegacyTurn`, `getAuditLogger`): the composition root fills a slot when it wires the process and
 * releases it on close; in a process that wired nothing (a one-off script) the accessor's own fallback
 * is built once, on first use. Keeping the fallback with the capability means no capability has to
 * import the composition root (DESIGN §1 layering).
 */
export interface ProcessSlot<T> {
  /** What the accessor answers with: the wired value, else the lazily built fallback. */
  get(): T;
  /** Called by the composition root when it wires the process. */
  fill(value: T): void;
  /** Called on close: forgets `value` unless another wiring replaced it since. */
  release(value: T): void;
}

export function createProcessSlot<T>(fallback: () => T): ProcessSlot<T> {
  let wired: T | undefined;
  let lazy: T | undefined;
  return {
    get: () => {
      if (wired !== undefined) return wired;
      lazy ??= fallback();
      return lazy;
    },
    fill(value) {
      wired = value;
    },
    release(value) {
      if (wired === value) wired = undefined;
    },
  };
}
