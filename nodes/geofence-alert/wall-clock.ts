// The wall clock of geofence-alert, in one replaceable object so tests can drive the silence timer
// without waiting. Only the adapter uses it; the geofence core never reads the wall clock.

export type TimerHandle = unknown;

export interface WallClock {
  now(): number;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: WallClock = {
  now: () => Date.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

let current: WallClock = systemClock;

/** The clock nodes created from now on use. */
export function wallClock(): WallClock {
  return current;
}

/** For tests: nodes created after this call use `clock`; returns the function that puts back the previous one. */
export function useWallClock(clock: WallClock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
