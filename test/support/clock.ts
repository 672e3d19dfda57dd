/** A clock the test moves by hand, passed as a `now` option, so aging and balancing are tested without sleeping. */
export interface ManualClock {
  /** The current time in milliseconds. */
  now: () => number;
  /** Jumps to `t` milliseconds. */
  set: (t: number) => void;
  /** Moves the time on by `ms` milliseconds. */
  advance: (ms: number) => void;
}

/** Makes a {@link ManualClock} that starts at `start` milliseconds and moves only when the test says so. */
export function manualClock(start = 0): ManualClock {
  let t = start;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
