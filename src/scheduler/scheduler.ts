import { FairShares } from '../admission/fair-shares.js';
import { type AdmissionCapacity, ReadyQueue } from '../admission/ready-queue.js';
import { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import { show } from '../errors/allot-error.js';
import {
  CycleError,
  DuplicateKeyError,
  MissingDependencyError,
  UnknownKeyError,
} from '../errors/graph-errors.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import {
  DependencyFailedError,
  OverReleaseError,
  QueueTimeoutError,
  SchedulerClosedError,
  TaskCancelledError,
  TaskTimeoutError,
} from '../errors/scheduler-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { type CapacityGate, type ExternalCapacity, isExternalCapacity } from '../runner/capacity-gate.js';
import { ResourceGate } from '../runner/resource-gate.js';
import { backoffDelay } from './backoff.js';
import { DevicePool } from './device-pool.js';
import { SchedulerEmitter, type SchedulerListener, warnListener } from './events.js';
import { explainTask } from './explain.js';
import { type HandleHost, TaskHandle } from './handle.js';
import { KeyIndex } from './key-index.js';
import { type ResolvedOptions, resolveOptions, taskExtras } from './options.js';
import { Attempt, type AttemptHost, HolderList, Task } from './task.js';
import type {
  AddItem,
  AddOptions,
  Explanation,
  FailedState,
  ReleasePart,
  SchedulerEvents,
  SchedulerOptions,
  SchedulerStats,
  SchedulerTaskFn,
  TaskState,
} from './types.js';

/** A cost as the gate prepared it, and what one take holds: opaque here, so a remote capacity plugs in. */
type P = object;
type Held = object;
/** The gate a scheduler needs: it also reads a prepared cost back as amounts (for fair shares and device ids). */
type SchedulerGate = CapacityGate<P, Held> & Required<Pick<CapacityGate<P, Held>, 'amounts'>>;
const NO_OPTIONS: AddOptions = Object.freeze({});
type STask = Task<P, Held>;
type SAttempt = Attempt<P, Held>;

/** Counts of live tasks by state (terminal counts are cumulative). */
interface Counts {
  waiting: number;
  queued: number;
  running: number;
  backoff: number;
  completed: number;
  failed: number;
  cancelled: number;
  'timed-out': number;
  skipped: number;
}

/**
 * Runs work under a multi-resource budget: `add` a function with a cost, get a promise-like handle. A task starts
 * when its dependencies have completed and every resource it needs is free at every level, taken in one atomic
 * step; it gives everything back when its function settles, however it ended.
 *
 * Order: highest priority first (with optional aging), ties in order of becoming ready. With `backfill` (the
 * default) tasks that fit start while a bigger head waits, until the head has been passed `maxBypass` times; it
 * then holds a reservation. Scheduling decisions look at one task per distinct cost, never at the whole queue.
 *
 * @example
 * const s = new Scheduler({ limits: { gpu: 2, cpu: 3 } });
 * const encoded = s.add(() => encode(file), { key: 'encode', cost: { gpu: 2, cpu: 1 } });
 * s.add(() => thumbnail(file), { cost: { cpu: 1 } });
 * s.add(() => upload(file), { deps: ['encode'], cost: { cpu: 1 } });
 * await s.onIdle();
 */
export class Scheduler {
  readonly #capacity: ResourceCapacitySource | ExternalCapacity;
  readonly #gate: SchedulerGate;
  readonly #options: ResolvedOptions;
  readonly #defaultCost: P;
  readonly #queue: ReadyQueue<P, STask>;
  readonly #emitter = new SchedulerEmitter();
  /** Every task still remembered, by key. */
  readonly #tasks = new KeyIndex<STask>();
  /** Settled tasks still remembered by key, oldest first (forgotten at idle moments beyond `keepSettled`). */
  #settled: STask[] = [];
  /** Attempts holding capacity: running ones and cancelled or timed-out ones still settling. */
  readonly #holders = new HolderList<P, Held>();
  readonly #counts: Counts = {
    waiting: 0,
    queued: 0,
    running: 0,
    backoff: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    'timed-out': 0,
    skipped: 0,
  };
  /** Attempts that were cancelled or timed out and whose function has not settled. */
  #releasing = 0;
  /** Non-terminal tasks plus releasing attempts: zero means idle. */
  #active = 0;
  #paused = false;
  #closed = false;
  #draining = false;
  #drainAgain = false;
  #drainQueued = false;
  /** A take that must await (a remote capacity) is in flight: decisions wait for it. */
  #taking = false;
  /** Set while this scheduler gives capacity back itself (it drains right after; no wake-up needed). */
  #ownRelease = false;
  #waitingFor: P | undefined;
  #idleWaiters: (() => void)[] = [];
  /** The idle moment was already announced (until work arrives again). */
  #idle = true;
  readonly #unlisten: () => void;
  /** What handles, attempts and the ready queue call back into (kept off the public surface). */
  readonly #host: HandleHost & AttemptHost<P, Held>;
  readonly #admission: AdmissionCapacity<P>;
  /** Tenants' holdings, when fairness is on. */
  readonly #fair: FairShares | undefined;
  readonly #defaultCostAmounts: ResourceCost;
  /** Ids of indexed resources, when `devices` is given. */
  readonly #devices: DevicePool | undefined;

  /**
   * @param options - `limits` (a budget of its own) or `capacity` (an existing one to share), and the order,
   *   aging, default cost, clock and memory options; see {@link SchedulerOptions}.
   * @throws InvalidOptionError for a bad option, or when neither or both of `limits` and `capacity` are given;
   *   InvalidLimitError for bad limits; the cost errors for a bad `defaultCost`.
   */
  constructor(options: SchedulerOptions) {
    this.#options = resolveOptions(options);
    if ((options.limits === undefined) === (options.capacity === undefined))
      throw new InvalidOptionError('limits/capacity', undefined, 'exactly one of limits and capacity');
    const external = isExternalCapacity(options.capacity) ? options.capacity : undefined;
    if (
      options.capacity !== undefined &&
      external === undefined &&
      !(options.capacity instanceof ResourceCapacitySource)
    )
      throw new InvalidOptionError(
        'capacity',
        options.capacity,
        'a ResourceCapacitySource or an external capacity',
      );
    // Ids are handed out by this process alone, so they cannot follow a budget other processes draw on too.
    if (external !== undefined && options.devices !== undefined)
      throw new InvalidOptionError(
        'devices',
        options.devices,
        'no device ids with an external (shared) capacity',
      );
    this.#devices = options.devices === undefined ? undefined : new DevicePool(options.devices);
    this.#capacity =
      options.capacity ?? new ResourceCapacitySource(limitsWithDevices(options, this.#devices));
    if (options.capacity instanceof ResourceCapacitySource && this.#devices !== undefined) {
      for (const [r, n] of Object.entries(this.#devices.counts())) {
        if (options.capacity.limits[r] !== n)
          throw new InvalidOptionError(
            `devices.${r}`,
            options.devices?.[r],
            `${n} ids for a capacity whose ${r} limit is ${options.capacity.limits[r]}`,
          );
      }
    }
    this.#gate =
      external !== undefined
        ? external.openGate()
        : new ResourceGate(this.#capacity as ResourceCapacitySource);
    this.#defaultCost = this.#prepare('defaultCost', options.defaultCost ?? {});
    this.#defaultCostAmounts = { ...(options.defaultCost ?? {}) };
    this.#checkWhole('defaultCost', this.#defaultCostAmounts);
    const o = this.#options;
    const capacity = this.#capacity;
    const fair =
      options.tenants === undefined ? undefined : new FairShares(options.tenants, (r) => capacity.limitOf(r));
    this.#fair = fair;
    this.#queue = new ReadyQueue<P, STask>({
      order: o.order,
      maxBypass: o.maxBypass,
      maxBypassMs: o.maxBypassMs,
      agingRate: o.agingRate,
      maxAgeBoost: o.maxAgeBoost,
      now: o.now,
      ...(fair !== undefined && { fair: true, shareOf: (tenant: string) => fair.share(tenant) }),
    });
    const gate = this.#gate;
    this.#admission = {
      fits: (p) => gate.fits(p),
      fitsBeside:
        gate.fitsBeside !== undefined
          ? (p, reserved) => (gate.fitsBeside as NonNullable<typeof gate.fitsBeside>).call(gate, p, reserved)
          : (p, reserved) => gate.fits(p) && !sharesResource(gate, p, reserved),
    };
    this.#host = {
      cancelTask: (task, reason) => this.#cancelTask(task as STask, reason),
      explainTask: (task) => this.#explainTask(task as STask),
      progress: (attempt, value) => this.#progress(attempt, value),
      reconcile: (attempt, actual) => this.#reconcile(attempt, actual),
      release: (attempt, part) => this.#release(attempt, part),
    };
    this.#unlisten = this.#gate.onChange(() => {
      if (!this.#ownRelease && this.#queue.size > 0) this.#schedule();
    });
  }

  /** The capacity the scheduler draws on (level 0). */
  get capacity(): ResourceCapacitySource | ExternalCapacity {
    return this.#capacity;
  }

  /** True after `pause()` until `resume()`. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /**
   * Adds a task and returns its handle. Throws at once, adding nothing, for a bad cost (malformed, an unknown
   * resource, above a limit anywhere up the chain), a duplicate key, an unknown dependency or a bad option.
   */
  add<O, Pr = unknown>(run: SchedulerTaskFn<O, Pr>, options: AddOptions<Pr> = NO_OPTIONS): TaskHandle<O> {
    const task = this.#build(run as SchedulerTaskFn, options as AddOptions, undefined, 0);
    // A lone task can only depend on known tasks, none of which can depend on it: no cycle is possible.
    if (task.deps !== undefined)
      for (const dep of task.deps) if (!this.#tasks.has(dep)) throw new MissingDependencyError(task.key, dep);
    this.#register(task);
    this.#admit(task);
    return new TaskHandle<O>(task as unknown as Task<unknown>, this.#host);
  }

  /**
   * Adds several tasks at once; dependencies may name tasks of the same batch, in any order. All or nothing:
   * when one item is invalid (or the batch has a cycle), it throws and adds none. Handles come in input order.
   */
  addAll<O = unknown, Pr = unknown>(items: readonly AddItem<O, Pr>[]): TaskHandle<O>[] {
    if (!Array.isArray(items))
      throw new InvalidOptionError('addAll items', items, 'an array of { run, ...options }');
    const batch = new Map<string, STask>();
    const tasks: STask[] = [];
    // Keys the batch names itself: a generated key must not take one, whichever item comes first.
    const named = new Set<unknown>();
    for (const item of items) if (typeof item === 'object' && item !== null) named.add(item.key);
    let lastId = 0;
    for (const item of items) {
      if (typeof item !== 'object' || item === null)
        throw new InvalidOptionError('addAll item', item, 'an object { run, ...options }');
      const task = this.#build(item.run as SchedulerTaskFn, item as AddOptions, named, lastId);
      if (task.id !== 0) lastId = task.id;
      if (batch.has(task.key)) throw new DuplicateKeyError(task.key);
      batch.set(task.key, task);
      tasks.push(task);
    }
    for (const task of tasks) {
      for (const dep of task.deps ?? []) {
        if (!this.#tasks.has(dep) && !batch.has(dep)) throw new MissingDependencyError(task.key, dep);
      }
    }
    checkBatchCycle(tasks, batch);
    for (const task of tasks) this.#register(task);
    for (const task of tasks) this.#admit(task);
    return tasks.map((t) => new TaskHandle<O>(t as unknown as Task<unknown>, this.#host));
  }

  /**
   * Validates one task's options and builds its record (not registered yet). An unnamed task gets the next
   * free number (above `after`, within a batch); its key string is made only if someone reads it.
   */
  #build(
    run: SchedulerTaskFn,
    o: AddOptions,
    batchKeys: ReadonlySet<unknown> | undefined,
    after: number,
  ): STask {
    if (typeof o !== 'object' || o === null) throw new InvalidOptionError('task options', o, 'an object');
    const name = o.key;
    let id = 0;
    if (name === undefined) {
      id = this.#tasks.nextNumber(after);
      while (batchKeys?.has(`task-${id}`) === true) id = this.#tasks.nextNumber(id);
    } else if (typeof name !== 'string' || name === '') {
      throw new InvalidOptionError('key', name, 'a non-empty string');
    }
    if (this.#closed) throw new SchedulerClosedError(name ?? `task-${id}`);
    if (name !== undefined && this.#tasks.has(name)) throw new DuplicateKeyError(name);
    const task: STask = new Task<P, Held>(name, id, run, this.#defaultCost, o.priority ?? 0);
    if (typeof run !== 'function')
      throw new InvalidOptionError(`run of task ${show(task.key)}`, run, 'a function');
    task.extras = taskExtras(task, o);
    if (o.cost !== undefined) {
      task.prepared = this.#prepare(task, o.cost);
      if (this.#devices !== undefined) this.#checkWhole(task.key, o.cost);
    }
    if (o.deps !== undefined) {
      if (!Array.isArray(o.deps) || o.deps.some((d) => typeof d !== 'string'))
        throw new InvalidOptionError(`deps of task ${show(task.key)}`, o.deps, 'an array of keys');
      if (o.deps.length > 0) task.more().deps = o.deps.slice();
    }
    return task;
  }

  #register(task: STask): void {
    if (task.id === 0) this.#tasks.addNamed(task.key, task);
    else this.#tasks.addNumbered(task);
    this.#active++;
    this.#idle = false;
    this.#counts.waiting++;
  }

  /** Cancels the task with this key (see {@link TaskHandle.cancel}); false when it had already ended. */
  cancel(key: string, reason?: unknown): boolean {
    return this.#cancelTask(this.#get(key), reason);
  }

  /** Why the task with this key is where it is: structured reasons and one sentence. */
  explain(key: string): Explanation {
    return this.#explainTask(this.#get(key));
  }

  /** Listens to an event; returns the function that stops listening. */
  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerListener<E>): () => void {
    if (typeof listener !== 'function')
      throw new InvalidOptionError(`listener of ${event}`, listener, 'a function');
    return this.#emitter.on(event, listener);
  }

  /**
   * Resolves when nothing is waiting, queued, in backoff or running, and every cancelled or timed-out function
   * has settled: all capacity the scheduler took is back. Resolves at once when that is already so.
   */
  onIdle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Nothing new starts until {@link Scheduler.resume}; running tasks go on. */
  pause(): void {
    this.#paused = true;
  }

  /** Lets tasks start again after {@link Scheduler.pause}. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#schedule();
  }

  /** Cancels every task that has not started (waiting, queued or in backoff). Returns how many. */
  clear(reason?: unknown): number {
    let n = 0;
    for (const task of [...this.#tasks.values()]) {
      if (!task.terminal && task.state !== 'running' && this.#cancelTask(task, reason)) n++;
    }
    return n;
  }

  /**
   * Refuses new work (`add` then throws `SchedulerClosedError`), lets what is there finish — or, with
   * `cancel: true`, cancels it all — and resolves when every task has ended and all capacity is back. It does not
   * resume a paused scheduler: queued tasks then wait for `resume()` (or use `cancel: true`).
   */
  async close(options: { cancel?: boolean } = {}): Promise<void> {
    this.#closed = true;
    if (options.cancel === true) {
      for (const task of [...this.#tasks.values()])
        this.#cancelTask(task, new SchedulerClosedError(undefined));
    }
    await this.onIdle();
    this.#unlisten();
    this.#endWait();
    // A remote capacity has the releases in flight: closed means the store has them.
    await this.#gate.dispose?.();
  }

  /** Counts by state, and the capacity figures of level 0 (copies). */
  get stats(): SchedulerStats {
    const c = this.#counts;
    return {
      waiting: c.waiting,
      queued: c.queued,
      running: c.running,
      backoff: c.backoff,
      releasing: this.#releasing,
      completed: c.completed,
      failed: c.failed,
      cancelled: c.cancelled,
      timedOut: c['timed-out'],
      skipped: c.skipped,
      limits: { ...this.#capacity.limits },
      inUse: { ...this.#capacity.inUse },
      available: { ...this.#capacity.available },
    };
  }

  #cancelTask(task: STask, reason: unknown): boolean {
    if (task.terminal) return false;
    const error = new TaskCancelledError(task.key, reason);
    const attempt = task.current;
    if (attempt !== undefined) this.#detach(attempt, error);
    this.#end(task, 'cancelled', error);
    return true;
  }

  #explainTask(task: STask): Explanation {
    return explainTask(task, {
      paused: this.#paused,
      order: this.#options.order,
      gate: this.#gate,
      admission: this.#admission,
      queue: this.#queue,
      now: this.#options.now,
      tasks: this.#tasks,
      holders: this.#holders,
      costOf: (t) => this.#costOf(t as STask),
    });
  }

  #progress(attempt: SAttempt, value: unknown): void {
    if (!attempt.live || attempt.done) return;
    const task = attempt.task;
    const onProgress = task.extras?.onProgress;
    if (onProgress !== undefined) {
      try {
        (onProgress as (v: unknown) => void)(value);
      } catch (error) {
        warnListener('onProgress', error);
      }
    }
    if (this.#emitter.has('progress')) this.#emitter.emit('progress', { key: task.key, value });
  }

  #reconcile(attempt: SAttempt, actual: ResourceCost): void {
    if (attempt.done) return;
    const before = attempt.cost ?? this.#costOf(attempt.task);
    const devices = this.#devices;
    if (devices !== undefined) {
      for (const r of Object.keys(devices.counts())) {
        if ((actual[r] ?? 0) !== (before[r] ?? 0))
          throw new InvalidOptionError(
            `reconcile of task ${show(attempt.task.key)}`,
            actual,
            `the same ${r} (${before[r] ?? 0}): ${r} has device ids; give ids back with release()`,
          );
      }
    }
    this.#adjustHolding(attempt, before, { ...actual });
    this.#drain();
  }

  /** Gives back part of what a running attempt holds (see `SchedulerTaskContext.release`). */
  #release(attempt: SAttempt, part: ReleasePart): void {
    if (attempt.done) return;
    const key = attempt.task.key;
    if (typeof part !== 'object' || part === null)
      throw new InvalidOptionError(`release of task ${show(key)}`, part, '{ [resource]: amount or ids }');
    const before = attempt.cost ?? this.#costOf(attempt.task);
    const after: ResourceCost = { ...before };
    const devices: Record<string, string[]> = { ...attempt.devices } as Record<string, string[]>;
    const returned: [string, string[]][] = [];
    for (const [r, what] of Object.entries(part)) {
      const heldAmount = before[r] ?? 0;
      if (Array.isArray(what) || (this.#devices?.has(r) === true && typeof what === 'number')) {
        const mine = devices[r] ?? [];
        const ids: readonly string[] = Array.isArray(what)
          ? what
          : mine.slice(Math.max(0, mine.length - (what as number)));
        if (
          !Array.isArray(what) &&
          (!Number.isInteger(what) || (what as number) < 0 || (what as number) > mine.length)
        )
          throw new OverReleaseError(key, r, what as number, mine);
        for (const id of ids) {
          if (typeof id !== 'string' || !mine.includes(id) || ids.indexOf(id) !== ids.lastIndexOf(id))
            throw new OverReleaseError(key, r, ids, mine);
        }
        devices[r] = mine.filter((id) => !ids.includes(id));
        returned.push([r, [...ids]]);
        after[r] = heldAmount - ids.length;
        continue;
      }
      if (typeof what !== 'number' || !Number.isFinite(what) || what < 0)
        throw new InvalidOptionError(
          `release.${r} of task ${show(key)}`,
          what,
          'an amount ≥ 0, or device ids',
        );
      if (what > heldAmount + 1e-9) throw new OverReleaseError(key, r, what, heldAmount);
      after[r] = Math.round((heldAmount - what) * 1e6) / 1e6;
    }
    for (const r of Object.keys(after)) if (after[r] === 0) delete after[r];
    this.#adjustHolding(attempt, before, after);
    // Ids go back before anyone is started on the freed units.
    attempt.devices = devices;
    for (const [r, ids] of returned) this.#devices?.giveBack(r, ids);
    this.#drain();
  }

  /** Replaces what an attempt holds in the capacity and in fair shares (the caller then lets waiters start). */
  #adjustHolding(attempt: SAttempt, before: ResourceCost, after: ResourceCost): void {
    const adjust = this.#gate.adjust;
    if (adjust === undefined) return;
    adjust.call(this.#gate, attempt.task.key, attempt.held, after);
    attempt.cost = after;
    if (this.#fair !== undefined) {
      this.#fair.charge(attempt.task.tenant, before, -1);
      this.#fair.charge(attempt.task.tenant, after, 1);
    }
  }

  /** The cost a task declared, as amounts (for fair shares and device ids). */
  #costOf(task: STask): Readonly<ResourceCost> {
    const p = task.prepared;
    if (p === this.#defaultCost) return this.#defaultCostAmounts;
    return this.#gate.amounts(p);
  }

  /** Costs on indexed resources must be whole numbers. */
  #checkWhole(key: string, cost: Readonly<ResourceCost>): void {
    const devices = this.#devices;
    if (devices === undefined) return;
    for (const [r, amount] of Object.entries(cost))
      if (devices.has(r) && !Number.isInteger(amount))
        throw new InvalidOptionError(
          `cost.${r} of task ${show(key)}`,
          amount,
          `a whole number (${r} is a device resource: each unit is one id)`,
        );
  }

  #get(key: string): STask {
    const task = this.#tasks.get(key);
    if (task === undefined) throw new UnknownKeyError(key);
    return task;
  }

  /** Prepares a cost, throwing the gate's error (which names the task) when it is bad or can never fit. */
  #prepare(task: STask | string, cost: ResourceCost): P {
    const gate = this.#gate;
    // The key is only needed for an error message: an unnamed task's string is made only then.
    let prepared = gate.prepare('', cost);
    if (prepared instanceof Error) prepared = gate.prepare(keyOf(task), cost);
    if (prepared instanceof Error) throw prepared;
    if (gate.refusal('', prepared) !== undefined) throw gate.refusal(keyOf(task), prepared);
    return prepared;
  }

  /** Wires a registered task: signal, queue timeout, dependencies; then queues it if it is ready. */
  #admit(task: STask): void {
    // A listener reacting to an earlier task of the same batch may already have ended this one.
    if (task.terminal) return;
    if (task.extras !== undefined && !this.#wire(task, task.extras)) return;
    const x = task.extras;
    const deps = x?.deps;
    if (x !== undefined && deps !== undefined) {
      for (let i = 0; i < deps.length; i++) {
        const dep = this.#tasks.get(deps[i] as string) as STask;
        if (dep.state === 'completed') continue;
        if (dep.terminal) {
          this.#end(task, 'skipped', new DependencyFailedError(task.key, dep.key, dep.state, dep.result));
          return;
        }
        x.pending++;
        const d = dep.more();
        if (d.dependents === undefined) d.dependents = [task];
        else d.dependents.push(task);
      }
      if (x.pending > 0) return;
    }
    this.#enqueue(task);
  }

  /**
   * Arms a task's signal and queue timeout; false when its signal has already fired (it is then cancelled).
   * Kept apart from `#admit` because closures here would make every call allocate their shared scope.
   */
  #wire(task: STask, x: NonNullable<STask['extras']>): boolean {
    const signal = x.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#cancelTask(task, signal.reason);
        return false;
      }
      x.onAbort = () => this.#cancelTask(task, signal.reason);
      signal.addEventListener('abort', x.onAbort, { once: true });
    }
    const ms = x.queueTimeoutMs;
    if (ms !== undefined) {
      x.queueTimer = setTimeout(() => {
        if (!task.terminal && task.attempt === 0)
          this.#end(task, 'timed-out', new QueueTimeoutError(task.key, ms));
      }, ms);
    }
    return true;
  }

  #enqueue(task: STask): void {
    this.#setState(task, 'queued');
    this.#queue.push(task, task.priority, this.#options.maxBypassMs === Infinity ? 0 : this.#options.now());
    if (this.#emitter.has('queued')) this.#emitter.emit('queued', { key: task.key });
    this.#schedule();
  }

  /** Drains on a microtask, once, so a burst of adds is decided together (priorities within it respected). */
  #schedule(): void {
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    queueMicrotask(() => {
      this.#drainQueued = false;
      this.#drain();
    });
  }

  /** Starts tasks while the ready queue allows. Re-entrant calls (from a task or a listener) loop instead. */
  #drain(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        this.#startWhileFits();
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
  }

  #startWhileFits(): void {
    const queue = this.#queue;
    const gate = this.#gate;
    const timed = this.#options.maxBypassMs !== Infinity;
    while (!this.#paused && !this.#taking) {
      const task = queue.pick(this.#admission, timed ? this.#options.now() : 0);
      if (task === undefined) {
        const head = queue.blockedHead;
        if (head === undefined) break;
        this.#waitOn(head.prepared);
        return;
      }
      const held = gate.take(task.prepared);
      if (held instanceof Promise) {
        this.#takeLater(task, held);
        return;
      }
      if (held === undefined) throw new Error('unreachable: a cost that fits could not be taken');
      this.#start(task, held);
    }
    this.#endWait();
  }

  /** A capacity whose take awaits (remote): decisions pause until it answers. */
  #takeLater(task: STask, taking: Promise<Held | undefined>): void {
    this.#taking = true;
    // The take in flight counts as activity: if the task is cancelled meanwhile, idle waits for the answer and
    // for any capacity it brings to be given back.
    this.#active++;
    this.#idle = false;
    const done = (): void => {
      this.#taking = false;
      this.#active--;
      this.#drain();
      this.#checkIdle();
    };
    taking.then(
      (held) => {
        if (held !== undefined && task.state === 'queued') this.#start(task, held);
        else {
          if (held !== undefined) this.#give(held);
          if (task.state === 'queued') {
            // Only the store could say that this task can never run (or that it cannot be reached).
            const refusal = held === undefined ? this.#gate.refusal(task.key, task.prepared) : undefined;
            if (refusal !== undefined) this.#end(task, 'failed', refusal);
            else this.#queue.putBack(task, task.priority);
          }
        }
        done();
      },
      (error: unknown) => {
        if (!task.terminal) this.#end(task, 'failed', error);
        done();
      },
    );
  }

  #waitOn(prepared: P): void {
    if (this.#waitingFor === prepared) return;
    this.#endWait();
    this.#waitingFor = prepared;
    this.#gate.waitFor?.(prepared);
  }

  #endWait(): void {
    if (this.#waitingFor === undefined) return;
    this.#waitingFor = undefined;
    this.#gate.endWait?.();
  }

  #start(task: STask, held: Held): void {
    const x = task.extras;
    if (x?.queueTimer !== undefined) {
      clearTimeout(x.queueTimer);
      x.queueTimer = undefined;
    }
    this.#setState(task, 'running');
    const attempt: SAttempt = new Attempt<P, Held>(this.#host, task, ++task.attempt, held);
    task.current = attempt;
    this.#holders.add(attempt);
    if (this.#fair !== undefined || this.#devices !== undefined) {
      const cost = this.#costOf(task);
      this.#fair?.charge(task.tenant, cost, 1);
      if (this.#devices !== undefined) attempt.devices = this.#devices.assign(cost);
    }
    this.#gate.watch?.(held, task.key, (error) => this.#holdLost(attempt, error));
    if (this.#emitter.has('start')) this.#emitter.emit('start', { key: task.key, attempt: attempt.attempt });
    if (!attempt.live) {
      // A start listener cancelled it: the function never runs, so its capacity comes back now.
      this.#settledAttempt(attempt, true, undefined);
      return;
    }
    if (x?.timeoutMs !== undefined) {
      const ms = x.timeoutMs;
      attempt.timer = setTimeout(() => this.#timedOut(attempt, ms), ms);
    }
    let result: unknown;
    try {
      result = (task.run as SchedulerTaskFn)(attempt);
    } catch (error) {
      this.#settledAttempt(attempt, false, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.#settledAttempt(attempt, true, value),
        (error: unknown) => this.#settledAttempt(attempt, false, error),
      );
    } else if (isAsyncIterator(result)) {
      this.#stream(attempt, result);
    } else {
      this.#settledAttempt(attempt, true, result);
    }
  }

  /** Drives an async generator task: each yield is progress, the return value the result. */
  #stream(attempt: SAttempt, it: AsyncIterator<unknown, unknown>): void {
    const step = (): void => {
      let next: Promise<IteratorResult<unknown, unknown>>;
      try {
        next = Promise.resolve(attempt.live ? it.next() : stopIterator(it));
      } catch (error) {
        this.#settledAttempt(attempt, false, error);
        return;
      }
      next.then(
        (r) => {
          if (!attempt.live) {
            // Cancelled or timed out: ask it to stop; it has settled once that answers.
            if (r.done) this.#settledAttempt(attempt, true, r.value);
            else
              stopIterator(it).then(
                () => this.#settledAttempt(attempt, true, undefined),
                (error: unknown) => this.#settledAttempt(attempt, false, error),
              );
            return;
          }
          if (r.done) {
            this.#settledAttempt(attempt, true, r.value);
            return;
          }
          this.#progress(attempt, r.value);
          step();
        },
        (error: unknown) => this.#settledAttempt(attempt, false, error),
      );
    };
    step();
  }

  #timedOut(attempt: SAttempt, ms: number): void {
    attempt.timer = undefined;
    if (!attempt.live || attempt.done) return;
    const task = attempt.task;
    const error = new TaskTimeoutError(task.key, ms, attempt.attempt);
    this.#detach(attempt, error);
    this.#attemptFailed(task, error);
  }

  /** The capacity can no longer vouch for what the attempt holds (a lost lease): the attempt fails with `error`. */
  #holdLost(attempt: SAttempt, error: Error): void {
    if (!attempt.live || attempt.done) return;
    this.#detach(attempt, error);
    this.#attemptFailed(attempt.task, error);
  }

  /**
   * The attempt stops counting for its task (cancelled or timed out): its signal fires, but its capacity stays
   * held until its function settles.
   */
  #detach(attempt: SAttempt, reason: unknown): void {
    attempt.live = false;
    attempt.task.current = undefined;
    if (attempt.timer !== undefined) clearTimeout(attempt.timer);
    attempt.timer = undefined;
    if (!attempt.done) {
      this.#releasing++;
      this.#active++;
      this.#idle = false;
    }
    this.#setState(attempt.task, 'backoff'); // leaves 'running'; the caller sets the real next state
    attempt.abort(reason);
  }

  /** An attempt's function settled: give its capacity back (exactly once), then decide what follows. */
  #settledAttempt(attempt: SAttempt, ok: boolean, value: unknown): void {
    if (attempt.done) return;
    attempt.done = true;
    if (attempt.timer !== undefined) clearTimeout(attempt.timer);
    attempt.timer = undefined;
    this.#holders.delete(attempt);
    this.#give(attempt.held);
    const held = attempt.cost ?? this.#costOf(attempt.task);
    if (this.#fair !== undefined) this.#fair.charge(attempt.task.tenant, held, -1);
    const devices = this.#devices;
    if (devices !== undefined)
      for (const [r, ids] of Object.entries(attempt.devices)) devices.giveBack(r, ids);
    if (attempt.live) {
      attempt.live = false;
      const task = attempt.task;
      task.current = undefined;
      if (ok) this.#end(task, 'completed', value);
      else this.#attemptFailed(task, value);
    } else {
      this.#releasing--;
      this.#active--;
    }
    this.#drain();
    this.#checkIdle();
  }

  #give(held: Held): void {
    this.#ownRelease = true;
    try {
      this.#gate.release(held);
    } finally {
      this.#ownRelease = false;
    }
  }

  /** An attempt failed (or timed out): retry after the backoff, or end the task. */
  #attemptFailed(task: STask, error: unknown): void {
    const retry = task.extras?.retry;
    let again = false;
    if (retry !== undefined && task.attempt < retry.attempts) {
      again = true;
      if (retry.retryOn !== undefined) {
        try {
          again = retry.retryOn(error, task.attempt) === true;
        } catch (thrown) {
          warnListener('retryOn', thrown);
          again = false;
        }
      }
    }
    if (!again || task.terminal) {
      if (!task.terminal) this.#end(task, error instanceof TaskTimeoutError ? 'timed-out' : 'failed', error);
      return;
    }
    const x = task.extras as NonNullable<STask['extras']>;
    const delayMs = backoffDelay(retry?.backoff, task.attempt, Math.random);
    if (this.#emitter.has('retry'))
      this.#emitter.emit('retry', { key: task.key, attempt: task.attempt, error, delayMs });
    if (task.terminal) return; // a listener cancelled it
    if (delayMs <= 0) {
      this.#enqueue(task);
      return;
    }
    this.#setState(task, 'backoff');
    x.backoffUntil = this.#options.now() + delayMs;
    x.backoffTimer = setTimeout(() => {
      x.backoffTimer = undefined;
      if (task.state === 'backoff' && !task.terminal) this.#enqueue(task);
    }, delayMs);
  }

  /** Ends a task, exactly once: settles its handle, tells listeners, frees or skips its dependents. */
  #end(task: STask, state: 'completed' | FailedState, value: unknown): void {
    const skipped = this.#endOne(task, state, value);
    // Dependents of a task that did not complete end too, transitively; a stack instead of recursion.
    if (skipped !== undefined) {
      const stack = skipped;
      while (stack.length > 0) {
        const [t, error] = stack.pop() as [STask, DependencyFailedError];
        const more = this.#endOne(t, 'skipped', error);
        if (more !== undefined) for (const m of more) stack.push(m);
      }
    }
    this.#checkIdle();
  }

  /** Ends one task; returns the dependents it skips (its own end was not a completion), if any. */
  #endOne(
    task: STask,
    how: 'completed' | FailedState,
    result: unknown,
  ): [STask, DependencyFailedError][] | undefined {
    if (task.terminal) return undefined;
    this.#queue.remove(task);
    const x = task.extras;
    if (x !== undefined) {
      if (x.queueTimer !== undefined) clearTimeout(x.queueTimer);
      if (x.backoffTimer !== undefined) clearTimeout(x.backoffTimer);
      x.queueTimer = x.backoffTimer = undefined;
      if (x.onAbort !== undefined) x.signal?.removeEventListener('abort', x.onAbort);
      x.onAbort = undefined;
    }
    this.#setState(task, how);
    this.#active--;
    task.result = result;
    task.run = undefined;
    if (how === 'completed') task.resolve?.(result);
    else task.reject?.(result);
    task.resolve = task.reject = undefined;
    this.#settled.push(task);
    if (how === 'completed') {
      if (this.#emitter.has('complete')) this.#emitter.emit('complete', { key: task.key, value: result });
    } else if (this.#emitter.has('fail')) {
      this.#emitter.emit('fail', { key: task.key, state: how, error: result });
    }
    if (x === undefined) return undefined;
    x.deps = undefined;
    const dependents = x.dependents;
    if (dependents === undefined) return undefined;
    x.dependents = undefined;
    let skipped: [STask, DependencyFailedError][] | undefined;
    for (const d of dependents) {
      if (d.terminal) continue;
      if (how !== 'completed') {
        skipped ??= [];
        skipped.push([d, new DependencyFailedError(d.key, task.key, how, result)]);
      } else if (--(d.extras as NonNullable<STask['extras']>).pending === 0 && d.state === 'waiting') {
        this.#enqueue(d);
      }
    }
    return skipped;
  }

  #setState(task: STask, state: TaskState): void {
    const c = this.#counts;
    const from = task.state;
    if (from === 'waiting' || from === 'queued' || from === 'running' || from === 'backoff') c[from]--;
    c[state]++;
    task.state = state;
  }

  #checkIdle(): void {
    if (this.#active !== 0 || this.#idle) return;
    this.#idle = true;
    this.#endWait();
    this.#forgetSettled();
    const waiters = this.#idleWaiters;
    if (waiters.length > 0) {
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.#emitter.has('idle')) this.#emitter.emit('idle', {});
  }

  /** At an idle moment: forget settled tasks beyond the newest `keepSettled`. */
  #forgetSettled(): void {
    const settled = this.#settled;
    const drop = settled.length - this.#options.keepSettled;
    if (drop <= 0) return;
    for (let i = 0; i < drop; i++) this.#tasks.delete(settled[i] as STask);
    this.#settled = settled.slice(drop);
  }
}

/** The budget for `limits` with each indexed resource's limit (its number of ids) filled in or checked. */
function limitsWithDevices(options: SchedulerOptions, devices: DevicePool | undefined): ResourceCost {
  const limits = options.limits as ResourceCost;
  if (devices === undefined) return limits;
  const out: ResourceCost = { ...limits };
  for (const [r, n] of Object.entries(devices.counts())) {
    if (limits[r] !== undefined && limits[r] !== n)
      throw new InvalidOptionError(`limits.${r}`, limits[r], `${n}, the number of ids in devices.${r}`);
    out[r] = n;
  }
  return out;
}

/** Whether two costs take any resource in common (by name; for gates that cannot say more). */
function sharesResource(gate: CapacityGate<P, Held>, a: P, b: P): boolean {
  const theirs = gate.resources?.(b);
  if (theirs === undefined) return true;
  return (gate.resources?.(a) ?? []).some((r) => theirs.includes(r));
}

function keyOf(task: STask | string): string {
  return typeof task === 'string' ? task : task.key;
}

/** Asks an iterator to stop; a `return` that throws becomes a rejection instead of escaping. */
function stopIterator(it: AsyncIterator<unknown, unknown>): Promise<IteratorResult<unknown, unknown>> {
  try {
    return Promise.resolve(it.return?.() ?? { done: true, value: undefined });
  } catch (error) {
    return Promise.reject(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Throws `CycleError` when dependencies inside the batch form a cycle (tasks outside it are already acyclic). */
function checkBatchCycle(tasks: readonly STask[], batch: ReadonlyMap<string, STask>): void {
  const state = new Map<STask, 1 | 2>(); // 1: on the path, 2: done
  for (const root of tasks) {
    if (state.has(root)) continue;
    const path: STask[] = [];
    const iters: number[] = [];
    state.set(root, 1);
    path.push(root);
    iters.push(0);
    while (path.length > 0) {
      const top = path[path.length - 1] as STask;
      const deps = top.deps ?? [];
      const i = iters[iters.length - 1] as number;
      if (i >= deps.length) {
        state.set(top, 2);
        path.pop();
        iters.pop();
        continue;
      }
      iters[iters.length - 1] = i + 1;
      const dep = batch.get(deps[i] as string);
      if (dep === undefined) continue;
      const s = state.get(dep);
      if (s === 2) continue;
      if (s === 1) {
        const from = path.indexOf(dep);
        throw new CycleError([...path.slice(from).map((t) => t.key), dep.key]);
      }
      state.set(dep, 1);
      path.push(dep);
      iters.push(0);
    }
  }
}
