import { InvalidOptionError } from '../errors/option-errors.js';
import type { DependencyGraph } from '../graph/dependency-graph.js';
import { AgingQueue, type AgingQueueOptions } from './aging-queue.js';
import type { EntryHandle } from './entry-handle.js';
import { GraphSourceObj } from './graph-source-obj.js';

/** Options of {@link PriorityDependencySourceObj}. */
export interface PriorityDependencyOpts<K, T> extends AgingQueueOptions {
  /**
   * Base priority of a key, higher first; called each time the key is queued (when it becomes ready, again
   * after each `fail()`). `task` is the key's task, or `undefined` when `taskMap` has none for it yet (the map
   * is read lazily): write it defensively if you fill the map late. Must return a finite number. Default `() => 1`.
   */
  priorityFn?: (key: K, task: T) => number;
}

const DEFAULT_PRIORITY = (): number => 1;

/**
 * A dependency-graph task source that serves ready keys by priority, with optional aging: effective
 * priority = `priorityFn(key, task) + min(agingRate × ms waited, maxAgeBoost)`, highest first, ties in the
 * order keys became ready. The wait counts from the latest time the key became ready: a retried key (after
 * `fail()`) is queued afresh and its wait restarts.
 *
 * Peek, then pull: every `peek()`/`peekKey()` re-evaluates aging, and the next pull delivers the key that peek
 * showed, however the clock moved in between, unless a key was queued or left the queue meanwhile (then the
 * pull chooses afresh). A pull that is waiting for a key takes the key the latest peek showed.
 *
 * Yielding a task calls `graph.start(key)`. Keys ready at construction are queued at once, and `complete(k)`
 * makes freed dependents peekable synchronously. The source ends when the graph is done by any path — including
 * when the last open keys are aborted, through this source or directly on the graph. Nodes added to the
 * graph during a run are queued when they become ready.
 *
 * `taskMap` is read lazily: a queued key whose task is missing makes `peek()`/`next()` throw
 * {@link MissingTaskError}, so the map may still be filled after construction. An existing `graph.onReady`
 * is kept and called first, as with `DependencySourceObj`.
 *
 * With `ScheduledTaskPoolRunner`: the runner consumes only a head whose cost fits, and by the rule above it gets
 * the task whose cost it checked. A task delivered through the runner's pending `next()` (nothing was queued)
 * that does not fit yet is held by the runner, and keys readied meanwhile wait behind it whatever their
 * priority. Wire the bridge callbacks (`onComplete` → `complete`, `onError` → `fail`/`abort`); the runner never
 * calls them itself.
 *
 * @typeParam K - graph key type
 * @typeParam T - task type
 */
export class PriorityDependencySourceObj<K, T> extends GraphSourceObj<K, T> {
  readonly #tasks: Map<K, T>;
  readonly #priorityFn: (key: K, task: T) => number;
  readonly #queue: AgingQueue<K>;
  readonly #handles = new Map<K, EntryHandle>();
  /** The first error `priorityFn` (or its result) raised in an `onReady`; the source is broken from then on. */
  #failure: { error: unknown } | undefined;
  #connected = false;

  /**
   * @param graph - the dependency graph; its `onReady` is wrapped
   * @param taskMap - the task for each key, read when a key is peeked or yielded
   * @param opts - priority function, aging options and clock
   * @throws InvalidOptionError for invalid options, or whatever `priorityFn` throws for a key already ready.
   */
  constructor(graph: DependencyGraph<K>, taskMap: Map<K, T>, opts: PriorityDependencyOpts<K, T> = {}) {
    super(graph, taskMap);
    const { priorityFn = DEFAULT_PRIORITY } = opts;
    if (typeof priorityFn !== 'function') {
      throw new InvalidOptionError('priorityFn', priorityFn, 'a function (key, task) => number');
    }
    this.#tasks = taskMap;
    this.#priorityFn = priorityFn;
    this.#queue = new AgingQueue<K>(opts);
    this.connect();
    this.#connected = true;
  }

  /** Number of queued keys: ready and not yet started. */
  get queueSize(): number {
    return this.#queue.size;
  }

  /**
   * The key the next pull would yield, never a started one: the highest effective priority now.
   * @throws the error `priorityFn` raised when a key was readied, if it did.
   */
  peekKey(): K | undefined {
    return this.#firstReady(() => this.#queue.peek());
  }

  /** A pull right after a peek takes the key that peek showed, whatever the clock did in between. */
  protected override takeKey(): K | undefined {
    return this.#firstReady(() => this.#queue.upcoming());
  }

  #firstReady(top: () => K | undefined): K | undefined {
    if (this.#failure !== undefined) throw this.#failure.error;
    for (;;) {
      const key = top();
      if (key === undefined) return undefined;
      // Started directly on the graph meanwhile: it is not ready any more, drop it.
      if (this.isReady(key)) return key;
      this.#dequeue(key);
    }
  }

  /** Queues `key`, its wait starting now (a retry does not keep the earlier wait), replacing any entry it has. */
  protected keyReady(key: K): void {
    // At construction a failing priorityFn throws; later it would be thrown out of a graph callback, where the
    // key would be lost and the run would hang, so the source is broken instead.
    if (!this.#connected) {
      this.#enqueue(key);
      return;
    }
    try {
      this.#enqueue(key);
    } catch (error) {
      this.#failure ??= { error };
    }
  }

  protected keyTaken(key: K): void {
    this.#dequeue(key);
  }

  protected override keysAborted(keys: readonly K[]): void {
    for (const key of keys) this.#dequeue(key);
  }

  protected drained(): void {}

  #enqueue(key: K): void {
    const priority = this.#priorityFn(key, this.#tasks.get(key) as T);
    this.#dequeue(key);
    this.#handles.set(key, this.#queue.push(key, priority));
  }

  #dequeue(key: K): void {
    const handle = this.#handles.get(key);
    if (handle === undefined) return;
    this.#handles.delete(key);
    this.#queue.remove(handle);
  }
}
