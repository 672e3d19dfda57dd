import type { TaskSourceLike } from '../runner/fifo-admission.js';
import type { ScheduledTask, TaskContext } from '../runner/types.js';

/**
 * A legacy task: a bare function returning a promise (one result) or an async generator (progress values,
 * then a result), or an `async` function that resolves to such a generator. It receives the
 * same {@link TaskContext} as a modern task and may ignore it.
 */
export type LegacyTaskRunner<I, O> = (
  context: TaskContext,
) => Promise<O> | AsyncGenerator<I, O, void> | Promise<AsyncGenerator<I, O, void>>;

/**
 * Presents a source of bare runner functions as a source of `ScheduledTask`s (key `task-<n>`, n counted from 1
 * in the order functions are taken, so it matches the envelope's `taskId`; no cost), for the modern run loop.
 * `peek()` returns the same task object until the head changes, as the run loop expects.
 */
export class LegacyTaskSource<I, O> implements TaskSourceLike<ScheduledTask<I, O>> {
  readonly #source: TaskSourceLike<LegacyTaskRunner<I, O>>;
  #taken = 0;
  #head: { fn: unknown; task: ScheduledTask<I, O> } | undefined;

  constructor(source: TaskSourceLike<LegacyTaskRunner<I, O>>) {
    this.#source = source;
  }

  peek(): ScheduledTask<I, O> | undefined {
    const fn = this.#source.peek();
    if (fn === undefined) return undefined;
    if (this.#head?.fn !== fn) this.#head = { fn, task: toTask(fn, this.#taken + 1) };
    return this.#head.task;
  }

  async next(): Promise<IteratorResult<ScheduledTask<I, O>, unknown>> {
    const result = await this.#source.next();
    if (result.done === true) return result;
    const n = ++this.#taken;
    const head = this.#head;
    this.#head = undefined;
    const reuse = head !== undefined && head.fn === result.value && head.task.key === keyFor(n);
    return { done: false, value: reuse ? head.task : toTask(result.value, n) };
  }
}

function keyFor(n: number): string {
  return `task-${n}`;
}

/** Wraps one function. Anything else is passed on as the `runner` so the run loop reports it as invalid. */
function toTask<I, O>(fn: unknown, n: number): ScheduledTask<I, O> {
  const key = keyFor(n);
  if (typeof fn !== 'function') return { key, runner: fn } as unknown as ScheduledTask<I, O>;
  // The shared run loop detects streams (also a promise that resolves to one).
  return { key, runner: fn as ScheduledTask<I, O>['runner'] };
}
