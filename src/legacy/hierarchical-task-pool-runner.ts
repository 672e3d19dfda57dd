import { EnvelopeStream } from '../runner/envelope-stream.js';
import type { TaskSourceLike } from '../runner/fifo-admission.js';
import { RunGuard } from '../runner/run-guard.js';
import { TaskRun } from '../runner/task-run.js';
import type { TaskRunGenerator } from '../runner/types.js';
import type { CapacitySource } from './capacity-source.js';
import { CounterGate, type CounterUnit } from './counter-gate.js';
import { type LegacyTaskRunner, LegacyTaskSource } from './legacy-task-source.js';

/**
 * The legacy runner: runs bare task functions from a peekable source, one unit of a single-counter
 * {@link CapacitySource} (and of each of its ancestors) per task.
 *
 * It is the modern `ScheduledTaskPoolRunner` run loop with a one-unit-per-task gate, so everything that
 * loop guarantees holds here too: strict FIFO admission, release before `FINAL`/`ERROR`, `stopOnError`,
 * consumer pacing, early-exit cleanup and the same `TaskProgressEnvelope`s, whose `key` is `task-<n>`
 * with n equal to `taskId`. A function whose result has `Symbol.asyncIterator` streams (no constructor-name
 * check); an `async` function that resolves to a generator streams too.
 *
 * @example
 * ```ts
 * const runner = new HierarchicalTaskPoolRunner('legacy', new SourceBufferObj(taskRunners, true, BufferMode.FIFO),
 *   new CapacitySource(2));
 * for await (const e of runner.runTasks(false)) console.log(e.type, e.key, e.value ?? e.error);
 * ```
 */
export class HierarchicalTaskPoolRunner<I, O> {
  /** Used in diagnostics and error messages. */
  readonly name: string;
  readonly #source: TaskSourceLike<LegacyTaskRunner<I, O>>;
  readonly #capacity: CapacitySource;
  readonly #guard: RunGuard;

  /**
   * @param name - label for diagnostics
   * @param source - where task functions come from; must be peekable (e.g. `SourceBufferObj`, or the `source`
   *   of a `PushPullBufferObj`, whose `sink.return()` ends the run once the queue drains)
   * @param capacitySource - the counter each task takes one unit from
   */
  constructor(name: string, source: TaskSourceLike<LegacyTaskRunner<I, O>>, capacitySource: CapacitySource) {
    this.name = name;
    this.#guard = new RunGuard(name);
    this.#source = source;
    this.#capacity = capacitySource;
  }

  /** The counter tasks draw from. */
  get capacitySource(): CapacitySource {
    return this.#capacity;
  }

  /** True while a `runTasks()` loop is active. */
  get running(): boolean {
    return this.#guard.active;
  }

  /**
   * Runs task functions until the source is done and nothing is in flight, yielding `INTERMEDIATE` for each
   * streamed value and one `FINAL` or `ERROR` per task.
   *
   * @param stopOnError - `true` (default): the first task error is thrown out of the loop.
   *   `false`: failures arrive as `ERROR` envelopes and the run goes on.
   * @throws {@link RunnerBusyError} when this runner is already running.
   */
  runTasks(stopOnError = true): TaskRunGenerator<I, O> {
    // A fresh adapter per run, so keys restart at task-1 together with taskId.
    const run = new TaskRun<I, O, CounterUnit>(
      new LegacyTaskSource(this.#source),
      new CounterGate(this.#capacity),
      stopOnError,
    );
    return new EnvelopeStream(run, this.#guard);
  }
}
