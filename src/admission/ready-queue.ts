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
  /** Its fairness group. */
  readonly tenant: string;
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
  /**
   * Fairness: a tenant's weighted dominant share now (what it holds ÷ the limits, its largest fraction, ÷ its
   * weight). With tasks of several tenants queued, tenants are served lowest share first. Default: all 0.
   */
  shareOf?: (tenant: string) => number;
  /** Whether tasks are grouped by tenant at all; without it every task is in one group. Default false. */
  fair?: boolean;
}

/** A tenant with queued tasks, and its weighted dominant share when asked. */
export interface TenantShare<T = unknown> {
  tenant: string;
  share: number;
  /** Its next task. */
  head: T;
}

/** Empty classes kept for reuse, beyond the active ones, before they are forgotten. */
const KEPT_EMPTY = 64;

/** The ready tasks of one tenant, by cost class. */
class TenantGroup<P, T extends Admittable<P>> {
  readonly classes = new Map<P, CostClass<T>>();
  /** Classes with at least one task, in no particular order. */
  readonly active: CostClass<T>[] = [];
  /** Weighted dominant share, refreshed at each decision that involves several tenants. */
  share = 0;
  /** Sequence number of its head, refreshed with `share` (ties in share go to the earlier head). */
  headSeq = 0;
  /** Its best class, remembered until a task arrives or leaves (never with aging, where time reorders). */
  #top: CostClass<T> | undefined;
  constructor(
    readonly tenant: string,
    readonly aging: boolean,
  ) {}

  /** Its best class (it has queued tasks). */
  top(): CostClass<T> {
    if (this.#top !== undefined) return this.#top;
    const top = this.best(undefined, undefined) as CostClass<T>;
    if (!this.aging) this.#top = top;
    return top;
  }

  /** A task arrived or left: the best class may have changed. */
  changed(): void {
    this.#top = undefined;
  }

  /** The best-ranked active class other than `skip` whose cost passes `accept` (all when undefined). */
  best(skip: CostClass<T> | undefined, accept: ((p: P) => boolean) | undefined): CostClass<T> | undefined {
    const active = this.active;
    if (active.length === 1 && skip === undefined && accept === undefined) return active[0];
    let best: CostClass<T> | undefined;
    let bestPriority = 0;
    let bestSeq = 0;
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

/**
 * Ready tasks grouped by tenant, then by cost class, each class in priority order. Choosing the next task looks at
 * one entry per class, so a decision costs O(tenants + cost classes) however many tasks wait.
 *
 * Order within a tenant: highest effective priority first, ties by enqueue order. Across tenants (weighted
 * Dominant Resource Fairness): tenants are ranked by weighted dominant share, lowest first, ties to the one whose
 * head became ready first; priorities never compare across tenants. The head is the first-ranked tenant's best
 * task. `fifo` lets each tenant start only its own head, in tenant order; `backfill` lets any task that fits start,
 * in the same order. Either way, once the head has been passed `maxBypass` times, or has waited `maxBypassMs`, it
 * holds a reservation: a task may then pass it only if it fits with the head's whole cost set aside. So nothing
 * takes what the head is short of, what it is not short of stays free for it, and it starts as soon as releases
 * cover the rest. (Letting through any task that takes only what the head is not short of *right now* is not
 * enough: small tasks taking its resources in turn would keep it short forever.) Because a class's first task is
 * its best and all its tasks cost the same, this is exactly a first-fit scan of all ready tasks in rank order.
 */
export class ReadyQueue<P, T extends Admittable<P>> {
  readonly #options: ReadyQueueOptions;
  readonly #groups = new Map<string, TenantGroup<P, T>>();
  /** Tenants with at least one task, in no particular order (sorted by share during a decision). */
  readonly #active: TenantGroup<P, T>[] = [];
  /** During a pick: the capacity asked, and the reserved head's cost when it holds a reservation. */
  #passCapacity: AdmissionCapacity<P> | undefined;
  #passReserved: P | undefined;
  /** Whether a task of cost `p` may pass the current head (made once: no closure per decision). */
  readonly #mayPass = (p: P): boolean => {
    const capacity = this.#passCapacity as AdmissionCapacity<P>;
    const reserved = this.#passReserved;
    return reserved === undefined ? capacity.fits(p) : capacity.fitsBeside(p, reserved);
  };
  /** The tenant of the latest head found by `#headClass`. */
  #headGroup: TenantGroup<P, T> | undefined;
  /** The group of the latest push: most pushes are for the same tenant. */
  #lastGroup: TenantGroup<P, T> | undefined;
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
    this.#classFor(task).push(task, priority);
    task.seq = ++this.#seq;
    task.readyAt = readyAt;
    task.bypassed = 0;
  }

  /**
   * Queues a task that `pick` returned but that could not start after all (a remote capacity said no), back in
   * its place: ahead of its class, with its order, waiting time and bypass count kept.
   */
  putBack(task: T, priority: number): void {
    this.#classFor(task).putBack(task, priority);
  }

  /** The class `task` joins (made active if it was empty); counts the task as queued. */
  #classFor(task: T): CostClass<T> {
    if (task.inQueue) throw new Error('unreachable: a task is queued twice');
    const group = this.#group(this.#tenantOf(task));
    let cls = group.classes.get(task.prepared);
    if (cls === undefined) {
      if (group.classes.size >= group.active.length + KEPT_EMPTY) forgetEmpty(group);
      cls = new CostClass<T>(task.prepared, this.#classOptions, this.#aging);
      group.classes.set(task.prepared, cls);
    }
    if (cls.live === 0) {
      if (group.active.length === 0) this.#active.push(group);
      group.active.push(cls);
    }
    group.changed();
    task.inQueue = true;
    this.#size++;
    return cls;
  }

  /** Removes a queued task; false when it was not queued. */
  remove(task: T): boolean {
    if (!task.inQueue) return false;
    task.inQueue = false;
    const group = this.#groups.get(this.#tenantOf(task)) as TenantGroup<P, T>;
    const cls = group.classes.get(task.prepared) as CostClass<T>;
    cls.withdrawn();
    this.#departed(group, cls);
    return true;
  }

  /** The task that would be considered first (the head), if any. */
  head(): T | undefined {
    return this.#decide(() => this.#headClass()?.front());
  }

  /** Tenants with queued tasks, lowest weighted dominant share first (the order they are served in). */
  tenants(): TenantShare<T>[] {
    return this.#decide(() =>
      this.#ranked().map((g) => ({ tenant: g.tenant, share: g.share, head: g.top().front() })),
    );
  }

  /** Whether the head `head` holds a reservation at time `now`. */
  reserved(head: T, now: number): boolean {
    const o = this.#options;
    return head.bypassed >= o.maxBypass || now - head.readyAt >= o.maxBypassMs;
  }

  /**
   * Decides the next start: removes that task from the queue and returns it. Returns undefined when nothing can
   * start: the queue is empty, or its head (then {@link ReadyQueue.blockedHead}) does not fit and nothing else
   * may pass it. Allocates nothing with one tenant.
   */
  pick(capacity: AdmissionCapacity<P>, now: number): T | undefined {
    if (!this.#aging) return this.#pick(capacity, now); // the common case, without a closure per decision
    return this.#decide(() => this.#pick(capacity, now));
  }

  /** Removes every queued task and returns them, in no particular order. */
  drain(): T[] {
    const out: T[] = [];
    for (const group of this.#active) {
      for (const cls of group.active) for (const t of cls.drain()) out.push(t);
      group.active.length = 0;
      group.classes.clear();
    }
    this.#active.length = 0;
    this.#groups.clear();
    this.#lastGroup = undefined;
    this.#size = 0;
    return out;
  }

  /** Runs one decision; with aging, every class reads the same instant during it. */
  #decide<R>(decision: () => R): R {
    if (!this.#aging) return decision();
    this.#decisionTime = this.#clock();
    try {
      return decision();
    } finally {
      this.#decisionTime = Number.NaN;
    }
  }

  #pick(capacity: AdmissionCapacity<P>, now: number): T | undefined {
    this.blockedHead = undefined;
    const headClass = this.#headClass();
    if (headClass === undefined) return undefined;
    const headGroup = this.#headGroup as TenantGroup<P, T>;
    const head = headClass.front();
    if (capacity.fits(head.prepared)) return this.#take(headGroup, headClass);
    const fifo = this.#options.order === 'fifo';
    // Nothing else could pass (one class, or fifo with one tenant): no need to build the test below.
    if (this.#active.length === 1 && (fifo || headGroup.active.length === 1)) {
      this.blockedHead = head;
      return undefined;
    }
    this.#passCapacity = capacity;
    this.#passReserved = this.reserved(head, now) ? head.prepared : undefined;
    const accept = this.#mayPass;
    let passer: CostClass<T> | undefined;
    let passerGroup = headGroup;
    if (!fifo && headGroup.active.length > 1) passer = headGroup.best(headClass, accept);
    if (passer === undefined && this.#active.length > 1) {
      // Other tenants in share order: under fifo each may start only its own head.
      // `#headClass` ranked the tenants for this decision already (in place).
      for (const group of this.#active) {
        if (group === headGroup) continue;
        passer = fifo ? group.top() : group.best(undefined, accept);
        if (passer !== undefined && fifo && !accept(passer.prepared as P)) passer = undefined;
        if (passer !== undefined) {
          passerGroup = group;
          break;
        }
      }
    }
    if (passer === undefined) {
      this.blockedHead = head;
      return undefined;
    }
    head.bypassed++;
    return this.#take(passerGroup, passer);
  }

  /** The first-ranked tenant's best class, if any task is queued; the tenant is left in `#headGroup`. */
  #headClass(): CostClass<T> | undefined {
    const active = this.#active;
    if (active.length === 0) return undefined;
    const group =
      active.length === 1 ? (active[0] as TenantGroup<P, T>) : (this.#ranked()[0] as TenantGroup<P, T>);
    this.#headGroup = group;
    return group.top();
  }

  /** Active tenants, lowest weighted share first, ties to the earlier head. Refreshes their shares. */
  #ranked(): TenantGroup<P, T>[] {
    const shareOf = this.#options.shareOf;
    for (const g of this.#active) {
      g.share = shareOf === undefined ? 0 : shareOf(g.tenant);
      g.headSeq = g.top().front().seq;
    }
    // In place: the active list has no order of its own, and a decision should not allocate.
    return this.#active.sort(byShare);
  }

  #tenantOf(task: T): string {
    return this.#options.fair === true ? task.tenant : '';
  }

  #group(tenant: string): TenantGroup<P, T> {
    const last = this.#lastGroup;
    if (last !== undefined && last.tenant === tenant) return last;
    let group = this.#groups.get(tenant);
    if (group === undefined) {
      group = new TenantGroup<P, T>(tenant, this.#aging);
      this.#groups.set(tenant, group);
    }
    this.#lastGroup = group;
    return group;
  }

  /** Takes the class's first task (`front` has just dropped any withdrawn ones before it). */
  #take(group: TenantGroup<P, T>, cls: CostClass<T>): T {
    const task = cls.take();
    this.#departed(group, cls);
    return task;
  }

  /** A task left `cls` (the class has already counted it). */
  #departed(group: TenantGroup<P, T>, cls: CostClass<T>): void {
    this.#size--;
    group.changed();
    if (cls.live > 0) return;
    removeFrom(group.active, cls);
    if (group.active.length === 0) removeFrom(this.#active, group);
  }
}

/** Lowest weighted share first, ties to the earlier head. */
function byShare<G extends { share: number; headSeq: number }>(a: G, b: G): number {
  return a.share - b.share || a.headSeq - b.headSeq;
}

/** Removes `item` from an unordered array (swap with the last). */
function removeFrom<X>(array: X[], item: X): void {
  const i = array.indexOf(item);
  const last = array.pop() as X;
  if (last !== item) array[i] = last;
}

/** Forgets a tenant's empty classes, so a long-lived queue does not keep every cost shape it ever saw. */
function forgetEmpty<P, T extends Admittable<P>>(group: TenantGroup<P, T>): void {
  for (const [prepared, cls] of group.classes) if (cls.live === 0) group.classes.delete(prepared);
}
