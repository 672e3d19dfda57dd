import { MissingTaskError } from '../errors/source-errors.js';
import type { DependencyGraph } from '../graph/dependency-graph.js';
import type { Peekable } from '../pull/peekable.js';
import { chainOnReady, watchGraph } from './graph-link.js';
import { ReadyFifo } from './ready-fifo.js';
import { SignallingSourceObj } from './signalling-source-obj.js';

/**
 * A task source driven by a {@link DependencyGraph}: it yields the task of each ready key, in the order the
 * keys became ready, and calls `graph.start(key)` as it yields it. It ends when the graph is done, whichever
 * way that happens: `complete`, `abort` (its own or one made directly on the graph), or an empty graph (D17).
 *
 * Wire the runner's callbacks to {@link DependencySourceObj.complete} / {@link DependencySourceObj.fail} /
 * {@link DependencySourceObj.abort} (the bridge pattern, claim 76); the runner never calls them itself.
 * Nodes added to the graph during a run are picked up when they become ready.
 *
 * With `ScheduledTaskPoolRunner`: `peek()` shows exactly the task the next `next()` yields. The runner consumes
 * a task only when its cost fits, or when it arrives through the runner's pending `next()` while nothing was
 * ready; such a task is held by the runner until it fits, and tasks readied meanwhile wait behind it (D25).
 *
 * One source per graph: two sources would both try to start the same keys.
 *
 * @typeParam K - graph key type
 * @typeParam T - task type (for the runner, a `ScheduledTask` whose `key` is the graph key)
 * @example
 * ```ts
 * let source!: DependencySourceObj<string, ScheduledTask>;
 * const task = (key: string): ScheduledTask => ({
 *   key, runner: async () => work(key),
 *   onComplete: (k) => source.complete(k),
 *   onError: (k) => source.abort(k),
 * });
 * source = new DependencySourceObj(graph, new Map(keys.map((k) => [k, task(k)])));
 * ```
 */
export class DependencySourceObj<K, T> extends SignallingSourceObj<T> implements Peekable<T> {
  readonly #graph: DependencyGraph<K>;
  readonly #tasks: Map<K, T>;
  readonly #ready = new ReadyFifo<K>();
  readonly #unwatch: () => void;
  #ended = false;
  readonly #isReady = (key: K): boolean => this.#graph.getState(key) === 'ready';

  /**
   * @param graph - the dependency graph; its `onReady` is wrapped (an existing handler is kept and called first)
   * @param taskMap - the task for each key. Read when a key is peeked or yielded, so it may be filled late.
   */
  constructor(graph: DependencyGraph<K>, taskMap: Map<K, T>) {
    super();
    this.#graph = graph;
    this.#tasks = taskMap;
    for (const key of graph.ready) this.#ready.push(key);
    chainOnReady(graph, (key) => {
      if (this.#ended) return;
      this.#ready.push(key);
      this.signalChange();
    });
    this.#unwatch = watchGraph(graph, {
      completed: () => this.signalChange(),
      aborted: () => this.signalChange(),
    });
  }

  /** The graph this source draws from. */
  get dependencyGraph(): DependencyGraph<K> {
    return this.#graph;
  }

  /**
   * Marks `key` completed (it must be running) and returns the dependents that became ready.
   * The source ends once the graph is done.
   */
  complete(key: K): K[] {
    return this.#graph.complete(key);
  }

  /** Returns a running `key` to ready, so that it is yielded again (a retry). */
  fail(key: K): void {
    this.#graph.fail(key);
  }

  /**
   * Aborts `key` and, transitively, every dependent not yet completed; returns the aborted keys, `key` first.
   * They are never yielded. The source ends if that leaves the graph done.
   */
  abort(key: K): K[] {
    return this.#graph.abort(key);
  }

  /**
   * The task of the first ready key not yet started, which the next `next()` yields; `undefined` when no key
   * is ready.
   * @throws {@link MissingTaskError} naming the key when `taskMap` has no task for it.
   */
  peek(): T | undefined {
    const key = this.#ready.front(this.#isReady);
    return key === undefined ? undefined : this.#taskOf(key);
  }

  protected override async *pull_impl(): AsyncGenerator<T, undefined, void> {
    try {
      for (;;) {
        const key = this.#ready.front(this.#isReady);
        if (key !== undefined) {
          const task = this.#taskOf(key);
          this.#ready.shift();
          this.#graph.start(key);
          yield task;
          continue;
        }
        if (this.#graph.isDone) return undefined;
        if (!(await this.nextChange())) return undefined;
      }
    } finally {
      this.#ended = true;
      this.#ready.clear();
      this.#unwatch();
    }
  }

  #taskOf(key: K): T {
    if (!this.#tasks.has(key)) throw new MissingTaskError(key);
    return this.#tasks.get(key) as T;
  }
}
