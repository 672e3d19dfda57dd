import type { AgingQueueOptions } from '../sources/aging-queue.js';
import { CostClass } from './cost-class.js';

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
  /** In the ready queue now (set and cleared by the queue). */
  inQueue: boolean;
}

/** The capacity questions the ready queue asks. */
export interface AdmissionCapacity<P> {
  /** Whether the cost fits right now. */
  fits(prepared: P): boolean;
  /**
   * Whether `prepared` fits now with the cost `reserved` set aside: what may start past a head that holds a
   * reservation without delaying it.
   */
  fitsBeside(prepared: P, reserved: P): boolean;
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

/** Empty classes kept for reuse, beyond the active ones, before they are forgotten. */
const KEPT_EMPTY = 64;

/**
 * Ready tasks grouped by cost class, each class an aging priority queue. Choosing the next task looks at one
 * entry per class, so a decision costs O(cost classes) however many tasks wait.
 *
 * Order: highest effective priority first, ties by enqueue order. `fifo` starts the head or nothing.
 * `backfill` starts the best-ranked task that fits when the head does not; once the head has been passed
 * `maxBypass` times, or has waited `maxBypassMs`, it holds a reservation: a task may then pass it only if it fits
 * with the head's whole cost set aside. So nothing takes what the head is short of, what it is not short of stays
 * free for it, and it starts as soon as releases cover the rest. (Letting through any task that takes only what
 * the head is not short of *right now* is not enough: small tasks taking its resources in turn would keep it
 * short forever.) Because a class's first task is its best and all its tasks cost the same, this
 * is exactly a first-fit scan of all ready tasks in rank order.
 */
export class ReadyQueue<P, T extends Admittable<P>> {
  readonly #options: ReadyQueueOptions;
  readonly #classes = new Map<P, CostClass<T>>();
  /** Classes with at least one task, in no particular order. */
  readonly #active: CostClass<T>[] = [];
  #size = 0;
  #seq = 0;
  /** After a {@link ReadyQueue.pick} that started nothing: the head that does not fit (none when empty). */
  blockedHead: T | undefined;

  readonly #aging: boolean;
  readonly #clock: () => number;
  /** While a decision is made with aging: the one clock reading every class ranks by (NaN otherwise). */
  #decisionTime = Number.NaN;
  /** What each class's aging queue is built with: the caller's options, on the decision's clock. */
  readonly #classOptions: AgingQueueOptions;

  constructor(options: ReadyQueueOptions) {
    this.#options = options;
    this.#aging = (options.agingRate ?? 0) > 0 && (options.maxAgeBoost ?? Number.POSITIVE_INFINITY) > 0;
    const clock = options.now ?? Date.now;
    this.#clock = clock;
    // Every class reads the same instant during one decision, so their effective priorities compare fairly and a
    // class's top cannot change between looking at it and taking it.
    this.#classOptions = {
      ...options,
      now: () => (Number.isNaN(this.#decisionTime) ? clock() : this.#decisionTime),
    };
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Queues `task` at `priority`; `readyAt` is its time of becoming ready on the caller's clock. A task that was
   * removed (not taken by `pick`) must not be queued again: its withdrawn copy may still be in the heap.
   */
  push(task: T, priority: number, readyAt: number): void {
    if (task.inQueue) throw new Error('unreachable: a task is queued twice');
    let cls = this.#classes.get(task.prepared);
    if (cls === undefined) {
      if (this.#classes.size >= this.#active.length + KEPT_EMPTY) this.#forgetEmpty();
      cls = new CostClass<T>(task.prepared, this.#classOptions, this.#aging);
      this.#classes.set(task.prepared, cls);
    }
    if (cls.live === 0) this.#active.push(cls);
    cls.push(task, priority);
    task.inQueue = true;
    task.seq = ++this.#seq;
    task.readyAt = readyAt;
    task.bypassed = 0;
    this.#size++;
  }

  /** Removes a queued task; false when it was not queued. */
  remove(task: T): boolean {
    if (!task.inQueue) return false;
    task.inQueue = false;
    const cls = this.#classes.get(task.prepared) as CostClass<T>;
    cls.withdrawn();
    this.#departed(cls);
    return true;
  }

  /** The task that would be considered first (the head), if any. */
  head(): T | undefined {
    if (!this.#aging) return this.#best(undefined, undefined)?.front();
    this.#decisionTime = this.#clock();
    try {
      return this.#best(undefined, undefined)?.front();
    } finally {
      this.#decisionTime = Number.NaN;
    }
  }

  /** Whether the head `head` holds a reservation at time `now`. */
  reserved(head: T, now: number): boolean {
    const o = this.#options;
    return head.bypassed >= o.maxBypass || now - head.readyAt >= o.maxBypassMs;
  }

  /**
   * Decides the next start: removes that task from the queue and returns it. Returns undefined when nothing can
   * start: the queue is empty, or its head (then {@link ReadyQueue.blockedHead}) does not fit and nothing else
   * may pass it. Allocates nothing.
   */
  pick(capacity: AdmissionCapacity<P>, now: number): T | undefined {
    if (!this.#aging) return this.#pick(capacity, now);
    this.#decisionTime = this.#clock();
    try {
      return this.#pick(capacity, now);
    } finally {
      this.#decisionTime = Number.NaN;
    }
  }

  #pick(capacity: AdmissionCapacity<P>, now: number): T | undefined {
    this.blockedHead = undefined;
    const headClass = this.#best(undefined, undefined);
    if (headClass === undefined) return undefined;
    const head = headClass.front();
    if (capacity.fits(head.prepared)) return this.#take(headClass);
    if (this.#options.order === 'fifo' || this.#active.length === 1) {
      this.blockedHead = head;
      return undefined;
    }
    const reserved = this.reserved(head, now);
    const hp = head.prepared;
    const passer = this.#best(headClass, (p) => (reserved ? capacity.fitsBeside(p, hp) : capacity.fits(p)));
    if (passer === undefined) {
      this.blockedHead = head;
      return undefined;
    }
    head.bypassed++;
    return this.#take(passer);
  }

  /** Removes every queued task and returns them, in no particular order. */
  drain(): T[] {
    const out: T[] = [];
    for (const cls of this.#active) for (const t of cls.drain()) out.push(t);
    this.#active.length = 0;
    this.#classes.clear();
    this.#size = 0;
    return out;
  }

  /** Takes the class's first task (`front` has just dropped any withdrawn ones before it). */
  #take(cls: CostClass<T>): T {
    const task = cls.take();
    this.#departed(cls);
    return task;
  }

  /** A task left `cls` (the class has already counted it). */
  #departed(cls: CostClass<T>): void {
    this.#size--;
    if (cls.live > 0) return;
    const i = this.#active.indexOf(cls);
    const last = this.#active.pop() as CostClass<T>;
    if (last !== cls) this.#active[i] = last;
  }

  /** Forgets empty classes, so a long-lived queue does not keep every cost shape it ever saw. */
  #forgetEmpty(): void {
    for (const [prepared, cls] of this.#classes) if (cls.live === 0) this.#classes.delete(prepared);
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
      const seq = cls.front().seq;
      const p = cls.frontPriority;
      if (best === undefined || p > bestPriority || (p === bestPriority && seq < bestSeq)) {
        best = cls;
        bestPriority = p;
        bestSeq = seq;
      }
    }
    return best;
  }
}
