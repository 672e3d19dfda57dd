import type { DependencyGraph } from '../graph/dependency-graph.js';
import { GraphSourceObj } from './graph-source-obj.js';
import { ReadyFifo } from './ready-fifo.js';

/**
 * A task source driven by a {@link DependencyGraph}: it yields the task of each ready key, in the order the
 * keys became ready, and calls `graph.start(key)` as it yields it. It ends when the graph is done, whichever
 * way that happens: `complete`, `abort` (its own or one made directly on the graph), or an empty graph.
 *
 * Wire the runner's callbacks to {@link DependencySourceObj.complete} / {@link DependencySourceObj.fail} /
 * {@link DependencySourceObj.abort} (the bridge pattern: completing a key unlocks its dependents, failing it
 * queues it again for a retry, aborting it cascades); the runner never calls them itself.
 * Nodes added to the graph during a run are picked up when they become ready.
 *
 * With `ScheduledTaskPoolRunner`: `peek()` shows exactly the task the next `next()` yields. The runner consumes
 * a task only when its cost fits, or when it arrives through the runner's pending `next()` while nothing was
 * ready; such a task is held by the runner until it fits, and tasks readied meanwhile wait behind it.
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
export class DependencySourceObj<K, T> extends GraphSourceObj<K, T> {
  readonly #ready = new ReadyFifo<K>();
  readonly #isReady = (key: K): boolean => this.isReady(key);

  /**
   * @param graph - the dependency graph; its `onReady` is wrapped (an existing handler is kept and called first)
   * @param taskMap - the task for each key. Read when a key is peeked or yielded, so it may be filled late.
   */
  constructor(graph: DependencyGraph<K>, taskMap: Map<K, T>) {
    super(graph, taskMap);
    this.connect();
  }

  /** The first ready key not yet started, in the order keys became ready. */
  peekKey(): K | undefined {
    return this.#ready.front(this.#isReady);
  }

  protected keyReady(key: K): void {
    this.#ready.push(key);
  }

  protected keyTaken(): void {
    this.#ready.shift();
  }

  protected drained(): void {
    this.#ready.clear();
  }
}
