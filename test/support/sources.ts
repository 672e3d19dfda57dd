import type { Peekable } from '../../src/pull/peekable.js';
import { SourceObj } from '../../src/pull/source-obj.js';
import type { ScheduledTask } from '../../src/runner/types.js';

/** The seed's array-backed source, written as the seed writes it. */
export class TaskSource<I = unknown, O = unknown>
  extends SourceObj<ScheduledTask<I, O>>
  implements Peekable<ScheduledTask<I, O>>
{
  private idx = 0;
  peekCalls = 0;

  constructor(private readonly tasks: Array<ScheduledTask<I, O>>) {
    super();
  }

  peek(): ScheduledTask<I, O> | undefined {
    this.peekCalls++;
    return this.tasks[this.idx];
  }

  /** How many tasks were consumed. */
  get consumed(): number {
    return this.idx;
  }

  protected override async *pull_impl(): AsyncGenerator<ScheduledTask<I, O>> {
    for (const task of this.tasks) {
      this.idx++;
      yield task;
    }
  }
}

/**
 * An open source fed by hand: `peek()` shows nothing while it is empty, `next()` waits for `push` or `end`.
 * Counts calls so tests can prove the runner does not poll.
 */
export class ManualSource<T> implements Peekable<T> {
  readonly items: T[] = [];
  peekCalls = 0;
  nextCalls = 0;
  #ended = false;
  #waiter: ((r: IteratorResult<T, undefined>) => void) | undefined;

  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ done: false, value: item });
      return;
    }
    this.items.push(item);
  }

  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ done: true, value: undefined });
  }

  peek(): T | undefined {
    this.peekCalls++;
    return this.items[0];
  }

  next(): Promise<IteratorResult<T, undefined>> {
    this.nextCalls++;
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ done: false, value: item });
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }
}
