import { InvalidTaskError } from '../errors/runner-errors.js';
import type { Peekable } from '../pull/peekable.js';
import { type TakesNow, takeNow } from '../pull/take-now.js';
import type { CapacityGate } from './capacity-gate.js';
import { TaskRecord } from './task-record.js';
import type { ScheduledTask } from './types.js';

/**
 * A source the runner can drive: async pulls plus a synchronous look at the head. A source may also offer
 * `changed()`, resolving when its head may have changed; a runner blocked on capacity then notices a new head
 * (or the source finishing) at once instead of at the next capacity change.
 */
export type TaskSourceLike<T> = Peekable<T> & {
  next(): Promise<IteratorResult<T, unknown>>;
  changed?: () => Promise<void>;
};

/**
 * What one admission step decided. A task whose cost was taken comes back as its record itself (start it): the
 * common step allocates nothing of its own. Every other decision is an object with a `kind`.
 */
export type Admission<I, O, P, H> =
  /** A task whose cost was taken: start it. */
  | TaskRecord<I, O, P, H>
  /** A task that was consumed but can never run, and why. */
  | { readonly kind: 'refuse'; readonly record: TaskRecord<I, O, P, H>; readonly error: Error }
  /**
   * The head task does not fit yet: wait for capacity to change. `prepared` is its cost; `sourceChanged` is set
   * when the head is only peeked (not taken), so a new head may replace it.
   */
  | { readonly kind: 'blocked'; readonly prepared: P; readonly sourceChanged: Promise<void> | undefined }
  /** Waiting for the source to deliver something (one pending `next()`). */
  | { readonly kind: 'waiting' }
  /** The source is finished. */
  | { readonly kind: 'done' };

const WAITING = Object.freeze({ kind: 'waiting' as const });
const DONE = Object.freeze({ kind: 'done' as const });

/**
 * Strict FIFO peek-check-acquire, the documented protocol: look at the head, consume it only when its cost fits
 * (or when it can never run, to report it), never start a later task ahead of a blocked head.
 * This is the runner's one "which task next?" decision point; backfill or fair sharing replace this class.
 *
 * A task delivered by the pending `next()` of an open source that had nothing to show (a source that is open
 * but empty gets exactly one pending pull, never polling) has already been taken from the source. If it does not
 * fit, it is held here until it does, and anything the source shows meanwhile waits behind it, whatever its
 * priority.
 */
export class FifoAdmission<I, O, P, H = P> {
  readonly #source: TaskSourceLike<ScheduledTask<I, O>> & TakesNow<ScheduledTask<I, O>>;
  readonly #gate: CapacityGate<P, H>;
  readonly #onArrival: () => void;
  #nextTaskId = 0;
  /** A consumed task waiting for its cost to fit. */
  #held: TaskRecord<I, O, P, H> | undefined;
  #sourceDone = false;
  #pendingNext: Promise<void> | undefined;
  #arrived: { task: unknown } | undefined;
  #sourceError: { error: unknown } | undefined;
  #closed = false;
  /** After `close()`: where a task delivered late by the pending pull goes (it is reported, never run). */
  #lateHandler: ((task: TaskRecord<I, O, P, H>) => void) | undefined;

  /**
   * @param onArrival - called when the pending pull delivers (an item, the end, or an error): step again
   */
  constructor(source: TaskSourceLike<ScheduledTask<I, O>>, gate: CapacityGate<P, H>, onArrival: () => void) {
    this.#source = source;
    this.#gate = gate;
    this.#onArrival = onArrival;
  }

  /**
   * Decides the next move. Synchronous unless it has to pull from a source that cannot hand over its head at
   * once, or await the gate. Throws (or rejects with) the source's error when the source failed.
   */
  step(): Admission<I, O, P, H> | Promise<Admission<I, O, P, H>> {
    if (this.#closed) return DONE;
    if (this.#sourceError !== undefined) throw this.#sourceError.error;
    const held = this.#held;
    if (held !== undefined) return this.#tryTake(held);
    const arrived = this.#arrived;
    if (arrived !== undefined) {
      this.#arrived = undefined;
      return this.#admit(arrived.task);
    }
    if (this.#sourceDone) return DONE;
    if (this.#pendingNext !== undefined) return WAITING;
    const head = this.#source.peek();
    if (head === undefined) {
      this.#pullWhenReady();
      return WAITING;
    }
    // A head that is not a valid task (null, a number, no runner…) is consumed and reported at once.
    if (invalidTask(head) === undefined) {
      const key = keyOf(head);
      const prepared = this.#gate.prepare(key, head.cost);
      if (!(prepared instanceof Error)) {
        if (this.#gate.fits(prepared)) return this.#consume(head, prepared);
        // Blocked unless it can never run, in which case it is consumed and reported.
        if (this.#gate.refusal(key, prepared) === undefined) {
          return { kind: 'blocked', prepared, sourceChanged: this.#source.changed?.() };
        }
      }
    }
    return this.#consume(head, undefined);
  }

  /** Stops admitting: returns the held task (never started) and routes a late pull to `onLate`. */
  close(onLate: (task: TaskRecord<I, O, P, H>) => void): TaskRecord<I, O, P, H>[] {
    this.#closed = true;
    const orphans: TaskRecord<I, O, P, H>[] = [];
    if (this.#held !== undefined) orphans.push(this.#held);
    this.#held = undefined;
    if (this.#arrived !== undefined) orphans.push(this.#record(this.#arrived.task, undefined));
    this.#arrived = undefined;
    this.#lateHandler = onLate;
    return orphans;
  }

  /**
   * Takes the head from the source: at once when the source can hand it over, else through `next()`. When the
   * head fits (`prepared` given) and the source hands over that very head, what was just checked is reused.
   */
  #consume(head: unknown, prepared: P | undefined): Admission<I, O, P, H> | Promise<Admission<I, O, P, H>> {
    const now = this.#source[takeNow]?.();
    if (now === undefined) return this.#source.next().then((r) => this.#delivered(r));
    if (prepared !== undefined && now.done !== true && now.value === head)
      return this.#tryTake(this.#record(head, prepared));
    return this.#delivered(now);
  }

  #delivered(r: IteratorResult<unknown, unknown>): Admission<I, O, P, H> | Promise<Admission<I, O, P, H>> {
    if (r.done === true) {
      this.#sourceDone = true;
      return DONE;
    }
    return this.#admit(r.value);
  }

  /** One `next()` kept across loop turns for a source that is open but shows no head. */
  #pullWhenReady(): void {
    this.#pendingNext = this.#source.next().then(
      (r) => {
        this.#pendingNext = undefined;
        if (r.done === true) this.#sourceDone = true;
        else if (this.#closed) this.#lateHandler?.(this.#record(r.value, undefined));
        else this.#arrived = { task: r.value };
        this.#onArrival();
      },
      (error: unknown) => {
        this.#pendingNext = undefined;
        if (!this.#closed) this.#sourceError = { error };
        this.#onArrival();
      },
    );
  }

  /** A task just taken from the source: report it if malformed, else take its cost or hold it. */
  #admit(task: unknown): Admission<I, O, P, H> | Promise<Admission<I, O, P, H>> {
    const invalid = invalidTask(task);
    if (invalid !== undefined) return this.#refuse(this.#record(task, undefined), invalid);
    const valid = task as ScheduledTask<I, O>;
    const prepared = this.#gate.prepare(keyOf(valid), valid.cost);
    if (prepared instanceof Error) return this.#refuse(this.#record(task, undefined), prepared);
    return this.#tryTake(this.#record(task, prepared));
  }

  #tryTake(record: TaskRecord<I, O, P, H>): Admission<I, O, P, H> | Promise<Admission<I, O, P, H>> {
    const took = this.#gate.take(record.prepared);
    if (took instanceof Promise) return took.then((hold) => this.#afterTake(record, hold));
    return this.#afterTake(record, took);
  }

  #afterTake(record: TaskRecord<I, O, P, H>, hold: H | undefined): Admission<I, O, P, H> {
    if (hold !== undefined) {
      this.#held = undefined;
      record.holds(hold);
      return record;
    }
    // Refusals are checked only for costs that do not fit: one that fits can certainly run.
    const refusal = this.#gate.refusal(record.key, record.prepared);
    if (refusal !== undefined) {
      this.#held = undefined;
      return this.#refuse(record, refusal);
    }
    this.#held = record;
    return { kind: 'blocked', prepared: record.prepared, sourceChanged: undefined };
  }

  #refuse(record: TaskRecord<I, O, P, H>, error: Error): Admission<I, O, P, H> {
    return { kind: 'refuse', record, error };
  }

  #record(task: unknown, prepared: P | undefined): TaskRecord<I, O, P, H> {
    return new TaskRecord<I, O, P, H>(
      task as ScheduledTask<I, O>,
      keyOf(task),
      ++this.#nextTaskId,
      prepared as P,
      this.#gate,
    );
  }
}

/** The task's key as a string, even for a malformed task (an item that is not an object is named by itself). */
function keyOf(task: unknown): string {
  if (task === null || typeof task !== 'object') return String(task);
  const key = (task as { key?: unknown }).key;
  return typeof key === 'string' ? key : String(key);
}

function invalidTask(task: unknown): Error | undefined {
  if (task === null || typeof task !== 'object')
    return new InvalidTaskError(keyOf(task), `got ${task === null ? 'null' : typeof task}`);
  if (typeof (task as { runner?: unknown }).runner !== 'function') {
    return new InvalidTaskError(keyOf(task), '`runner` must be a function');
  }
  return undefined;
}
