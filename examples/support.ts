/**
 * Helpers the example programs share: a seeded PRNG, the injectable clock and printer every demo takes (so a
 * test can drive it with fake timers and a quiet log), and an array-backed task source.
 */
import { type Peekable, type ScheduledTask, SourceObj } from '../src/index.js';

/**
 * The classic Numerical Recipes LCG: `seed = (1664525 * seed + 1013904223) mod 2^32`, then `seed / 2^32`.
 * The state is advanced before each draw. Products stay below 2^53, so plain numbers are exact.
 */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** Clock and printer, injectable so a test can drive a demo with fake timers. */
export interface ExampleOptions {
  /** Waits `ms` milliseconds; default: a real `setTimeout`. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Milliseconds on a monotonic clock; default: `performance.now()`. */
  now?: (() => number) | undefined;
  /** Prints one line; default: `console.log`. */
  log?: ((line: string) => void) | undefined;
}

/** `ExampleOptions` plus the PRNG a demo draws its random durations from. */
export interface SeededExampleOptions extends ExampleOptions {
  /** Returns numbers in [0, 1); default: `lcg` with the demo's own seed. */
  rng?: (() => number) | undefined;
}

/** `ExampleOptions` with every default filled in. */
export type ExampleIo = { [K in keyof ExampleOptions]-?: NonNullable<ExampleOptions[K]> };

/** Fills in the defaults: a real `setTimeout` sleep, `performance.now()` and `console.log`. */
export function resolveOptions(options: ExampleOptions): ExampleIo {
  return {
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? (() => performance.now()),
    // Looked up at each call, as the programs always did, so a console spied on mid-run still sees the line.
    log: options.log ?? ((line: string) => console.log(line)),
  };
}

/** A printer that also keeps every line it prints, for the demo's report. */
export function recordLines(print: (line: string) => void): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return {
    lines,
    log: (line: string): void => {
      lines.push(line);
      print(line);
    },
  };
}

/** The seed's array-backed, peekable task source, plus a `pending` count and an optional hook on each peek. */
export class TaskSource<O> extends SourceObj<ScheduledTask<O, O>> implements Peekable<ScheduledTask<O, O>> {
  #idx = 0;
  readonly #tasks: Array<ScheduledTask<O, O>>;
  readonly #onPeek: (index: number) => void;

  constructor(tasks: Array<ScheduledTask<O, O>>, onPeek: (index: number) => void = () => {}) {
    super();
    this.#tasks = tasks;
    this.#onPeek = onPeek;
  }

  /** The next task, not consumed. */
  peek(): ScheduledTask<O, O> | undefined {
    if (this.#idx < this.#tasks.length) this.#onPeek(this.#idx);
    return this.#tasks[this.#idx];
  }

  /** Tasks the runner has not taken yet; a head that was peeked but not taken is still pending. */
  get pending(): number {
    return this.#tasks.length - this.#idx;
  }

  protected override async *pull_impl(): AsyncGenerator<ScheduledTask<O, O>> {
    for (const task of this.#tasks) {
      this.#idx++;
      yield task;
    }
  }
}

/** A simulated clock: see {@link virtualClock}. */
export interface VirtualClock {
  /** Resolves once the simulated time has advanced by `ms`. */
  sleep(ms: number): Promise<void>;
  /** The simulated time, ms since the clock was made. */
  now(): number;
  /** Runs `program`, advancing the simulated time whenever nothing else is left to do, until it settles. */
  run<T>(program: () => Promise<T>): Promise<T>;
}

/**
 * A clock on which a demo's output cannot vary: time moves only from one `sleep` deadline to the next, and only
 * once every callback the previous wake-up caused has run, so timings are the ideal ones and ties are broken in
 * the order the sleeps were made. With `paced`, each step also waits the real time it stands for, so the demo
 * still unfolds at its natural speed. Only `sleep` advances it: a program waiting on anything else (a real
 * timer, I/O) makes `run` throw rather than hang.
 */
export function virtualClock({ paced = false }: { paced?: boolean } = {}): VirtualClock {
  let time = 0;
  let order = 0;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  // A macrotask turn: every promise reaction the last wake-up queued has run by then.
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => time,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        timers.push({ at: time + Math.max(0, ms), order: order++, wake });
      }),
    async run<T>(program: () => Promise<T>): Promise<T> {
      let finished = false;
      const done = program().finally(() => {
        finished = true;
      });
      done.catch(() => {}); // observed below; this only stops an early rejection from counting as unhandled
      for (;;) {
        await settle();
        if (finished) return done;
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers.shift();
        if (next === undefined)
          throw new Error('virtualClock: the program waits on something other than sleep');
        if (paced && next.at > time) await new Promise((resolve) => setTimeout(resolve, next.at - time));
        time = next.at;
        next.wake();
      }
    },
  };
}
