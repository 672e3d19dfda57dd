import { MissingTaskError } from '../errors/source-errors.js';
import type { DependencyGraph } from '../graph/dependency-graph.js';
import type { Peekable } from '../pull/peekable.js';
import { chainOnReady } from './graph-link.js';
import { SignallingSourceObj } from './signalling-source-obj.js';

/**
 * What the two dependency-graph sources share: the graph and task map, the bridge methods, lazy task lookup
 * (a ready key missing from the task map throws when it is peeked or yielded, not before), and the pull loop
 * that starts each yielded key and ends when the graph is done by any path: `complete`, `abort`, or an empty
 * graph. Subclasses decide only the order in which ready keys come out.
 *
 * @typeParam K - graph key type
 * @typeParam T - task type
 */
export abstract class GraphSourceObj<K, T> extends SignallingSourceObj<T> implements Peekable<T> {
  readonly #graph: DependencyGraph<K>;
  readonly #tasks: Map<K, T>;
  #unwatch: (() => void) | undefined;
  #ended = false;

  constructor(graph: DependencyGraph<K>, taskMap: Map<K, T>) {
    super();
    this.#graph = graph;
    this.#tasks = taskMap;
  }

  /** The graph this source draws from. */
  get dependencyGraph(): DependencyGraph<K> {
    return this.#graph;
  }

  /**
   * Marks `key` completed (it must be running) and returns the dependents that became ready; they are
   * peekable before this returns. The source ends once the graph is done.
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

  /** The key the next pull would yield (never a started one), or `undefined` when none is ready. */
  abstract peekKey(): K | undefined;

  /**
   * The key a pull takes now (never a started one), or `undefined` when none is ready. The same as
   * {@link GraphSourceObj.peekKey} unless the order depends on time: then a pull right after a peek takes the
   * key that peek showed.
   */
  protected takeKey(): K | undefined {
    return this.peekKey();
  }

  /**
   * The task of {@link GraphSourceObj.peekKey}, which the next `next()` yields; `undefined` when no key is ready.
   * @throws {@link MissingTaskError} naming the key when `taskMap` has no task for it.
   */
  peek(): T | undefined {
    const key = this.peekKey();
    return key === undefined ? undefined : this.#taskOf(key);
  }

  /** A key became ready: queue it. */
  protected abstract keyReady(key: K): void;

  /** `key` is being yielded: take it out of the queue. */
  protected abstract keyTaken(key: K): void;

  /** Keys were aborted: drop any still queued. */
  protected keysAborted(_keys: readonly K[]): void {}

  /** The source ended: release the queue. */
  protected abstract drained(): void;

  /** True while `key` may still be started (a key started or aborted directly on the graph is skipped). */
  protected isReady(key: K): boolean {
    return this.#graph.getState(key) === 'ready';
  }

  /** Subclasses call this at the end of their constructor, once their queue exists. */
  protected connect(): void {
    for (const key of this.#graph.ready) this.keyReady(key);
    chainOnReady(this.#graph, (key) => {
      if (this.#ended) return;
      this.keyReady(key);
      this.signalChange();
    });
    // `abort()` has no callback property; observing it is how the source ends when the graph finishes that way.
    this.#unwatch = this.#graph.observe({
      completed: () => this.signalChange(),
      aborted: (keys) => {
        this.keysAborted(keys);
        this.signalChange();
      },
    });
  }

  /** Hands out the next ready task without the generator round trip when there is one. */
  protected override pull_now(): IteratorResult<T, undefined> | undefined {
    let key: K | undefined;
    try {
      key = this.takeKey();
    } catch {
      return undefined; // the slow way meets the same error and ends the source, as a failed pull does
    }
    // A key without a task goes the slow way, so the failure ends the source as a failed pull does.
    if (key === undefined || !this.#tasks.has(key)) return undefined;
    return { done: false, value: this.#start(key) };
  }

  protected override async *pull_impl(): AsyncGenerator<T, undefined, void> {
    try {
      for (;;) {
        const key = this.takeKey();
        if (key !== undefined) {
          yield this.#start(key);
          continue;
        }
        if (this.#graph.isDone) return undefined;
        if (!(await this.nextChange())) return undefined;
      }
    } finally {
      this.#ended = true;
      this.drained();
      this.#unwatch?.();
    }
  }

  /** Takes `key` out of the queue, starts it on the graph and returns its task. */
  #start(key: K): T {
    const task = this.#taskOf(key);
    this.keyTaken(key);
    this.#graph.start(key);
    return task;
  }

  #taskOf(key: K): T {
    if (!this.#tasks.has(key)) throw new MissingTaskError(key);
    return this.#tasks.get(key) as T;
  }
}
