import type { PreparedCost } from '../capacity/cost-cache.js';
import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import { type ExternalCapacity, isExternalCapacity } from './capacity-gate.js';
import { EnvelopeStream } from './envelope-stream.js';
import type { TaskSourceLike } from './fifo-admission.js';
import { type Held, ResourceGate } from './resource-gate.js';
import { RunGuard } from './run-guard.js';
import { TaskRun } from './task-run.js';
import type { ScheduledTask, TaskRunGenerator } from './types.js';

/**
 * Runs tasks from a peekable source under a multi-resource budget.
 *
 * Protocol (strict FIFO peek-check-acquire): peek the head task, and consume it only when its whole cost fits
 * in the capacity source and every ancestor; take the cost atomically, start it, and keep filling. A head that
 * does not fit blocks later tasks (no skipping). Results come out of {@link runTasks} as envelopes.
 *
 * @example
 * ```ts
 * const runner = new ScheduledTaskPoolRunner('demo', source, new ResourceCapacitySource({ gpu: 2, cpu: 3 }));
 * for await (const e of runner.runTasks(false)) console.log(e.type, e.key, e.value ?? e.error);
 * ```
 */
export class ScheduledTaskPoolRunner<I, O> {
  /** Used in diagnostics and error messages. */
  readonly name: string;
  #source: TaskSourceLike<ScheduledTask<I, O>>;
  #capacity: ResourceCapacitySource | ExternalCapacity;
  readonly #guard: RunGuard;

  /**
   * @param name - label for diagnostics
   * @param source - where tasks come from; must be peekable (e.g. a `SourceObj` subclass with `peek()`)
   * @param capacity - the budget every task's cost is taken from: a local source, or an external capacity shared
   *   with other processes (each take then awaits the store)
   */
  constructor(
    name: string,
    source: TaskSourceLike<ScheduledTask<I, O>>,
    capacity: ResourceCapacitySource | ExternalCapacity,
  ) {
    this.name = name;
    this.#guard = new RunGuard(name);
    this.#source = source;
    this.#capacity = capacity;
  }

  /** The capacity source tasks draw from. */
  get capacity(): ResourceCapacitySource | ExternalCapacity {
    return this.#capacity;
  }

  /** True while a `runTasks()` loop is active. */
  get running(): boolean {
    return this.#guard.active;
  }

  /**
   * Runs tasks until the source is done and nothing is in flight, yielding an envelope per event:
   * `INTERMEDIATE` for each value a streaming task yields, then `FINAL` or `ERROR` once per task.
   *
   * Nothing happens until you iterate it with `for await`: the returned generator is lazy, and awaiting it
   * (`await runner.runTasks()`) runs nothing — TypeScript reports that mistake.
   *
   * The loop is paced by its consumer: while you hold an envelope, no new task starts and no stream advances.
   * Leaving the loop early stops new work, aborts running tasks (their `signal` fires, streams get `return()`)
   * and releases each cost once as it settles.
   *
   * @param stopOnError - `true` (default): the first task error is thrown out of the loop.
   *   `false`: failures arrive as `ERROR` envelopes and the run goes on.
   * @throws {@link RunnerBusyError} when this runner is already running.
   */
  runTasks(stopOnError = true): TaskRunGenerator<I, O> {
    const capacity = this.#capacity;
    const run = isExternalCapacity(capacity)
      ? new TaskRun<I, O, object, object>(this.#source, capacity.openGate(), stopOnError)
      : new TaskRun<I, O, PreparedCost, Held>(this.#source, new ResourceGate(capacity), stopOnError);
    return new EnvelopeStream(run, this.#guard);
  }
}
