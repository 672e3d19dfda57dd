import { createLogUpdate } from 'log-update';
import type { RunObserver, RunPlan } from '../run/run-observer.js';
import type { RunEvent, RunRecord } from '../run/run-record.js';
import { finishedLine, renderFrame } from './live-frame.js';
import { LiveState } from './live-state.js';

/** What the live view writes to: a terminal stream such as `process.stderr`. */
export interface TtyStream {
  write(chunk: string): unknown;
  /** Terminal width; 80 when absent or 0 (unknown). */
  columns?: number | undefined;
  /** Terminal height; 24 when absent or 0 (unknown). */
  rows?: number | undefined;
  isTTY?: boolean | undefined;
}

/** Options of a {@link LiveView}. */
export interface LiveViewOptions {
  /** Least time between two redraws, ms (default 100). */
  intervalMs?: number;
  /** A monotonic clock in ms (default `performance.now`); only differences between its readings matter. */
  now?: () => number;
}

/**
 * The live view of a run on a terminal: a header with the counts, a gauge per resource and a line per running
 * job, redrawn in place at most every `intervalMs` and at the end. Each job that ends is printed once, as a
 * permanent line above the live area. `end` stops the redraws and leaves the final frame on screen.
 */
export class LiveView implements RunObserver {
  readonly #state: LiveState;
  /** The terminal, with 80 × 24 standing in for a size it does not know. */
  readonly #stream: { write(chunk: string): unknown; readonly columns: number; readonly rows: number };
  readonly #log: ReturnType<typeof createLogUpdate>;
  readonly #now: () => number;
  /** Clock reading at the run's 0 ms, fixed by the first event (events carry ms since the run began). */
  #origin: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #finished: string[] = [];

  /**
   * Starts the redraw timer (unref'd, so it never keeps the process alive).
   *
   * @param plan - the jobs and limits of the run
   * @param stream - the terminal to draw on (default `process.stderr`)
   */
  constructor(plan: RunPlan, stream: TtyStream = process.stderr, options: LiveViewOptions = {}) {
    this.#state = new LiveState(plan);
    this.#now = options.now ?? (() => performance.now());
    // log-update reads only write, columns, rows and isTTY of its stream. A terminal whose size is unknown says
    // 0 × 0 (a pseudo-terminal nobody sized), and log-update draws nothing for 0 rows: assume 80 × 24 then.
    const sized = {
      write: (chunk: string) => stream.write(chunk),
      get columns() {
        return stream.columns || 80;
      },
      get rows() {
        return stream.rows || 24;
      },
      isTTY: true,
    };
    this.#stream = sized;
    this.#log = createLogUpdate(sized as unknown as NodeJS.WritableStream);
    this.#timer = setInterval(() => this.#draw(), options.intervalMs ?? 100);
    this.#timer.unref();
  }

  /** The state the view draws (read-only use). */
  get state(): LiveState {
    return this.#state;
  }

  /** Updates the state; the screen follows at the next redraw. A job that ended gets its permanent line then. */
  event(e: RunEvent): void {
    this.#origin ??= this.#now() - e.time;
    const ended = this.#state.apply(e);
    if (ended !== undefined) this.#finished.push(finishedLine(ended, this.#width()));
  }

  /** Prints `text` as a permanent line above the live area at once (a message to the person watching). */
  note(text: string): void {
    this.#finished.push(text);
    if (this.#timer !== undefined) this.#draw();
  }

  /** Stops redrawing and draws the final frame, which stays on screen. */
  end(record: RunRecord): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw(record.durationMs);
    this.#log.done();
  }

  /** Every tick redraws (the clock moves); log-update writes only the lines that changed. */
  #draw(nowMs?: number): void {
    if (this.#finished.length > 0) {
      // persist() clears the live area, writes the lines for good, and the next frame starts below them.
      this.#log.persist(this.#finished.join('\n'));
      this.#finished = [];
    }
    const now = nowMs ?? (this.#origin === undefined ? 0 : this.#now() - this.#origin);
    // log-update adds a line after the frame and clips what does not fit from the top.
    const rows = Math.max(1, this.#stream.rows - 1);
    this.#log(renderFrame(this.#state, this.#width(), now, rows));
  }

  #width(): number {
    return this.#stream.columns;
  }
}
