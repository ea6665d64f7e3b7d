/**
 * The time source of identity: token expiry, key-set age, the refetch cooldown and the wait for
 * the next allowed fetch all read this one clock, so tests can move it by minutes without waiting
 * (test/identity/key-rotation.test.ts drives a fake one).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` milliseconds of this clock have passed. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
