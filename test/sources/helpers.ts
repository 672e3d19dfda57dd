/** A clock the test moves by hand (passed as `now`), so aging can be tested without sleeping. */
export interface ManualClock {
  now: () => number;
  set: (t: number) => void;
  advance: (ms: number) => void;
}

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

/** Lets `n` I/O turns pass: a deterministic "slow" task without real time. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { settled: () => done, promise };
}
