import { AgingQueue, type AgingQueueEntry, type AgingQueueOptions } from '../sources/aging-queue.js';

/** What a cost class needs of a task. */
export interface Queueable {
  /** Queued now; false once taken or withdrawn. */
  inQueue: boolean;
}

/** Withdrawn tasks a class may keep, beyond one per queued task, before it sweeps them out. */
const MIN_WITHDRAWN = 16;

/**
 * The ready tasks of one cost, best first. Only the first can be a candidate for a start, since the others need
 * exactly the same.
 *
 * Two shapes, one order. While every task has the same priority and nothing ages, that order is plain arrival
 * order, so the tasks sit in an array read from a moving front: O(1) and no heap work. The first task with another
 * priority (or any task, with aging) moves the class to an {@link AgingQueue} until it empties.
 *
 * A removed task stays where it is, marked withdrawn (`inQueue` false), until it reaches the front or withdrawn
 * tasks outnumber queued ones and the class sweeps them out: no handle per task.
 */
export class CostClass<T extends Queueable> {
  /** Queued (not withdrawn) tasks. */
  live = 0;
  /** Effective priority of the task the latest {@link CostClass.front} returned. */
  frontPriority = 0;
  #withdrawn = 0;
  /** Arrival-ordered tasks from `#head` on, while the class is a plain list. */
  #list: (T | undefined)[] = [];
  #head = 0;
  /** The priority every listed task has. */
  #listPriority = 0;
  /** Set once the class needs priority order (and until it empties). */
  #heap: AgingQueue<T> | undefined;

  constructor(
    readonly prepared: unknown,
    readonly options: AgingQueueOptions,
    /** Whether entries age: then arrival order is not enough, even at equal priority. */
    readonly aging: boolean,
  ) {}

  push(task: T, priority: number): void {
    this.#insert(task, priority, false);
  }

  /** Queues a task taken by `take` again, in front of the others (it did not start after all). */
  putBack(task: T, priority: number): void {
    this.#insert(task, priority, true);
  }

  /** Adds a task at the back of its priority (or, `first`, at the front); one shape or the other, as above. */
  #insert(task: T, priority: number, first: boolean): void {
    let heap = this.#heap;
    if (heap === undefined && !this.aging && (this.live === 0 || priority === this.#listPriority)) {
      this.#listPriority = priority;
      if (!first) this.#list.push(task);
      else if (this.#head > 0) this.#list[--this.#head] = task;
      else this.#list.unshift(task);
    } else {
      heap ??= this.#toHeap();
      if (first) heap.addFirst(task, priority);
      else heap.add(task, priority);
    }
    this.live++;
  }

  /**
   * The first queued task (the class has one), dropping withdrawn tasks before it; its effective priority is
   * then in {@link CostClass.frontPriority}. One peek decides both, so they always describe the same task.
   */
  front(): T {
    const heap = this.#heap;
    if (heap !== undefined) {
      let entry = heap.peekEntry() as AgingQueueEntry<T>;
      while (!entry.item.inQueue) {
        heap.pop();
        this.#withdrawn--;
        entry = heap.peekEntry() as AgingQueueEntry<T>;
      }
      this.frontPriority = entry.effectivePriority;
      return entry.item;
    }
    const list = this.#list;
    let t = list[this.#head] as T;
    while (!t.inQueue) {
      list[this.#head++] = undefined;
      this.#withdrawn--;
      t = list[this.#head] as T;
    }
    this.frontPriority = this.#listPriority;
    return t;
  }

  /** Removes and returns the first queued task (call `front` first: the heap then takes what it showed). */
  take(): T {
    let task: T;
    const heap = this.#heap;
    if (heap !== undefined) {
      task = heap.pop() as T;
      // Never reached after `front`, which left a queued task on top; kept so a withdrawn task cannot escape.
      while (!task.inQueue) {
        this.#withdrawn--;
        task = heap.pop() as T;
      }
    } else {
      task = this.#list[this.#head] as T;
      this.#list[this.#head++] = undefined;
    }
    task.inQueue = false;
    this.#departed();
    return task;
  }

  /** A queued task of this class was withdrawn (its `inQueue` already false). */
  withdrawn(): void {
    this.#withdrawn++;
    this.#departed();
    if (this.live > 0 && this.#withdrawn > this.live + MIN_WITHDRAWN) this.#sweep();
  }

  /** Removes every queued task and returns them in order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.live > 0) {
      this.front();
      out.push(this.take());
    }
    return out;
  }

  #departed(): void {
    if (--this.live > 0) {
      // Keep the list's dead front from growing without bound: compact once it is half the array.
      if (this.#head > 1024 && this.#head * 2 > this.#list.length) {
        this.#list = this.#list.slice(this.#head);
        this.#head = 0;
      }
      return;
    }
    // Only withdrawn tasks, if any, are left.
    this.#withdrawn = 0;
    this.#list.length = 0;
    this.#head = 0;
    this.#heap = undefined;
  }

  #sweep(): void {
    if (this.#heap !== undefined) this.#heap.purge((t) => !t.inQueue);
    else {
      const kept: (T | undefined)[] = [];
      for (let i = this.#head; i < this.#list.length; i++) {
        const t = this.#list[i];
        if (t?.inQueue === true) kept.push(t);
      }
      this.#list = kept;
      this.#head = 0;
    }
    this.#withdrawn = 0;
  }

  /** Moves the listed tasks, in order, into a priority queue. */
  #toHeap(): AgingQueue<T> {
    const heap = new AgingQueue<T>(this.options);
    for (let i = this.#head; i < this.#list.length; i++) {
      const t = this.#list[i] as T;
      if (t.inQueue) heap.add(t, this.#listPriority);
    }
    this.#list = [];
    this.#head = 0;
    this.#withdrawn = 0;
    this.#heap = heap;
    return heap;
  }
}
