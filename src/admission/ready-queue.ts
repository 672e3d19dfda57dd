import { AgingQueue, type AgingQueueOptions } from '../sources/aging-queue.js';
import type { EntryHandle } from '../sources/entry-handle.js';

/** What the ready queue needs to know about a task. */
export interface Admittable<P> {
  /** The prepared cost; tasks with the same object form one cost class. */
  readonly prepared: P;
  /** Enqueue order across all classes (ties in effective priority go to the lower number). */
  seq: number;
  /** When the task became ready, on the queue's clock. */
  readyAt: number;
  /** How many later tasks started while this one was the blocked head. */
  bypassed: number;
}

/** The capacity questions the ready queue asks. */
export interface AdmissionCapacity<P> {
  /** Whether the cost fits right now. */
  fits(prepared: P): boolean;
  /** The resources the cost takes a non-zero amount of. */
  resources(prepared: P): readonly string[];
}

/** How the queue picks when the head does not fit. */
export interface ReadyQueueOptions extends AgingQueueOptions {
  /** `fifo`: a blocked head blocks everything; `backfill`: later tasks that fit start while it waits. */
  order: 'fifo' | 'backfill';
  /** Starts allowed past a blocked head before it holds a reservation. */
  maxBypass: number;
  /** Waiting time after which a blocked head holds a reservation, whatever its bypass count. */
  maxBypassMs: number;
}

/** What {@link ReadyQueue.pick} decided. */
export type Pick<T> =
  | { readonly kind: 'start'; readonly task: T }
  | { readonly kind: 'empty' }
  /** Nothing can start: `head` does not fit, and (fifo or reservation) nothing else may pass it. */
  | { readonly kind: 'blocked'; readonly head: T };

/** Ready tasks of one cost: only the first can be a candidate, since the others need exactly the same. */
class CostClass<T> {
  readonly queue: AgingQueue<T>;
  constructor(
    readonly prepared: unknown,
    options: AgingQueueOptions,
  ) {
    this.queue = new AgingQueue<T>(options);
  }
}

/**
 * Ready tasks grouped by cost class, each class an aging priority queue. Choosing the next task looks at one
 * entry per class, so a decision costs O(cost classes) however many tasks wait.
 *
 * Order: highest effective priority first, ties by enqueue order. `fifo` starts the head or nothing.
 * `backfill` starts the best-ranked task that fits when the head does not; once the head has been passed
 * `maxBypass` times, or has waited `maxBypassMs`, it holds a reservation: only tasks that take none of the
 * resources it takes may pass it. (Letting through tasks that take only what the head is not short of *right
 * now* is not enough: a stream of small tasks taking its resources in turn would keep it short forever.) Because a class's first task is its best and all its tasks cost the same, this
 * is exactly a first-fit scan of all ready tasks in rank order.
 */
export class ReadyQueue<P, T extends Admittable<P>> {
  readonly #options: ReadyQueueOptions;
  readonly #classes = new Map<P, CostClass<T>>();
  /** Classes with at least one task, in no particular order. */
  readonly #active: CostClass<T>[] = [];
  #size = 0;
  #seq = 0;

  constructor(options: ReadyQueueOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#size;
  }

  /** Queues `task` at `priority`; the handle removes it. `readyAt` is set from the clock the caller passes. */
  push(task: T, priority: number, readyAt: number): EntryHandle {
    let cls = this.#classes.get(task.prepared);
    if (cls === undefined) {
      cls = new CostClass<T>(task.prepared, this.#options);
      this.#classes.set(task.prepared, cls);
    }
    const handle = cls.queue.push(task, priority);
    if (cls.queue.size === 1) this.#active.push(cls);
    task.seq = ++this.#seq;
    task.readyAt = readyAt;
    task.bypassed = 0;
    this.#size++;
    return handle;
  }

  /** Removes a queued task; false when it was not queued. */
  remove(task: T, handle: EntryHandle): boolean {
    const cls = this.#classes.get(task.prepared);
    if (cls === undefined || !cls.queue.remove(handle)) return false;
    this.#departed(cls);
    return true;
  }

  /** The task that would be considered first (the head), if any. */
  head(): T | undefined {
    const best = this.#best(undefined, undefined);
    return best === undefined ? undefined : (best.queue.peek() as T);
  }

  /** Effective priority of a queued task now. */
  effectivePriority(task: T, handle: EntryHandle): number | undefined {
    return this.#classes.get(task.prepared)?.queue.effectivePriorityOf(handle);
  }

  /** Whether the head `head` holds a reservation at time `now`. */
  reserved(head: T, now: number): boolean {
    const o = this.#options;
    return head.bypassed >= o.maxBypass || now - head.readyAt >= o.maxBypassMs;
  }

  /** Decides the next start and, for `start`, removes that task from the queue. */
  pick(capacity: AdmissionCapacity<P>, now: number): Pick<T> {
    const headClass = this.#best(undefined, undefined);
    if (headClass === undefined) return EMPTY;
    const head = headClass.queue.peek() as T;
    if (capacity.fits(head.prepared)) return this.#take(headClass);
    if (this.#options.order === 'fifo' || this.#active.length === 1) return { kind: 'blocked', head };
    // Under a reservation the resources the head takes only drain, so it starts once enough has been released.
    const held = this.reserved(head, now) ? capacity.resources(head.prepared) : undefined;
    const passer = this.#best(headClass, (p) => capacity.fits(p) && !takesAny(capacity, p, held));
    if (passer === undefined) return { kind: 'blocked', head };
    head.bypassed++;
    return this.#take(passer);
  }

  /** Removes every queued task and returns them, in no particular order. */
  drain(): T[] {
    const out: T[] = [];
    for (const cls of this.#active) {
      for (let t = cls.queue.pop(); t !== undefined; t = cls.queue.pop()) out.push(t);
    }
    this.#active.length = 0;
    this.#classes.clear();
    this.#size = 0;
    return out;
  }

  #take(cls: CostClass<T>): Pick<T> {
    const task = cls.queue.pop() as T;
    this.#departed(cls);
    return { kind: 'start', task };
  }

  #departed(cls: CostClass<T>): void {
    this.#size--;
    if (cls.queue.size > 0) return;
    const i = this.#active.indexOf(cls);
    const last = this.#active.pop() as CostClass<T>;
    if (last !== cls) this.#active[i] = last;
    // Forget empty classes so a long-lived queue does not keep every cost shape it ever saw.
    this.#classes.delete(cls.prepared as P);
  }

  /** The best-ranked active class other than `skip` whose head cost passes `accept` (all when undefined). */
  #best(skip: CostClass<T> | undefined, accept: ((p: P) => boolean) | undefined): CostClass<T> | undefined {
    let best: CostClass<T> | undefined;
    let bestPriority = 0;
    let bestSeq = 0;
    const active = this.#active;
    if (active.length === 1 && skip === undefined && accept === undefined) return active[0];
    for (let i = 0; i < active.length; i++) {
      const cls = active[i] as CostClass<T>;
      if (cls === skip) continue;
      if (accept !== undefined && !accept(cls.prepared as P)) continue;
      const entry = cls.queue.peekEntry();
      if (entry === undefined) continue;
      const p = entry.effectivePriority;
      const seq = entry.item.seq;
      if (best === undefined || p > bestPriority || (p === bestPriority && seq < bestSeq)) {
        best = cls;
        bestPriority = p;
        bestSeq = seq;
      }
    }
    return best;
  }
}

const EMPTY: Pick<never> = { kind: 'empty' };

function takesAny<P>(
  capacity: AdmissionCapacity<P>,
  prepared: P,
  names: readonly string[] | undefined,
): boolean {
  if (names === undefined || names.length === 0) return false;
  for (const r of capacity.resources(prepared)) if (names.includes(r)) return true;
  return false;
}
