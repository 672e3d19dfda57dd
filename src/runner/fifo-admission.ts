import { InvalidTaskError } from '../errors/runner-errors.js';
import type { Peekable } from '../pull/peekable.js';
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

/** What one admission step decided. */
export const Step = {
  /** `taken` holds a task whose cost was taken: start it. */
  Start: 0,
  /** `taken` holds a task that was consumed but can never run; `refusal` says why. */
  Refuse: 1,
  /** The head task does not fit yet: wait for capacity to change. */
  Blocked: 2,
  /** Waiting for the source to deliver something (one pending `next()`). */
  Waiting: 3,
  /** The source is finished. */
  Done: 4,
} as const;
/** One of the {@link Step} values. */
export type Step = (typeof Step)[keyof typeof Step];

/**
 * Strict FIFO peek-check-acquire, the documented protocol: look at the head, consume it only when its cost fits
 * (or when it can never fit, to report it), never start a later task ahead of a blocked head.
 * This is the runner's one "which task next?" decision point; backfill or fair sharing replace this class.
 */
export class FifoAdmission<I, O, P, H = P> {
  /** The task decided on by the last `Start`/`Refuse` step. */
  taken: TaskRecord<I, O, P, H> | undefined;
  refusal: Error | undefined;
  /**
   * After a `Blocked` step: the gate's change signal, taken in the same tick as the failed check, so a release
   * that lands before the run starts waiting still wakes it.
   */
  wakeOnChange: Promise<void> | undefined;
  /** After a `Blocked` step on a peeked head: the source's change signal, if it has one. */
  wakeOnSourceChange: Promise<void> | undefined;
  #source: TaskSourceLike<ScheduledTask<I, O>>;
  #gate: CapacityGate<P, H>;
  #run: { poke(): void };
  #nextTaskId = 0;
  /** A consumed task waiting for its cost to fit (D25). */
  #held: TaskRecord<I, O, P, H> | undefined;
  #sourceDone = false;
  #pendingNext: Promise<void> | undefined;
  #arrived: { task: ScheduledTask<I, O> } | undefined;
  #sourceError: { error: unknown } | undefined;
  #closed = false;
  /** After `close()`: where a task delivered late by the pending pull goes (it is reported, never run). */
  #lateHandler: ((task: TaskRecord<I, O, P, H>) => void) | undefined;
  /** One-slot cache by cost object: the head is prepared when peeked and reused when it is consumed. */
  #lastCost: unknown;
  #lastPrepared: P | undefined;

  constructor(source: TaskSourceLike<ScheduledTask<I, O>>, gate: CapacityGate<P, H>, run: { poke(): void }) {
    this.#source = source;
    this.#gate = gate;
    this.#run = run;
  }

  /** Decides the next move. Synchronous unless it has to pull from the source or await the gate. */
  step(): Step | Promise<Step> {
    if (this.#sourceError !== undefined) throw this.#sourceError.error;
    const held = this.#held;
    if (held !== undefined) return this.#tryHeld(held);
    if (this.#arrived !== undefined) {
      const { task } = this.#arrived;
      this.#arrived = undefined;
      return this.#admitTaken(task);
    }
    if (this.#sourceDone) return Step.Done;
    if (this.#pendingNext !== undefined) return Step.Waiting;
    const head = this.#source.peek();
    if (head === undefined) {
      this.#pullWhenReady();
      return Step.Waiting;
    }
    const prepared = this.#prepare(head);
    if (!(prepared instanceof Error) && !this.#gate.fits(prepared)) {
      // Blocked unless it can never fit, in which case it is consumed and reported.
      if (this.#gate.refusal(keyOf(head), prepared) === undefined) {
        // Only a peeked head can be overtaken by a new one; a held task is already taken (D25).
        this.wakeOnSourceChange = this.#source.changed?.();
        return this.#blocked();
      }
    }
    return this.#source.next().then((r) => {
      if (r.done === true) {
        this.#sourceDone = true;
        return Step.Done;
      }
      return this.#admitTaken(r.value);
    });
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

  /** One `next()` kept across loop turns for a source that is open but shows no head (D15). */
  #pullWhenReady(): void {
    this.#pendingNext = this.#source.next().then(
      (r) => {
        this.#pendingNext = undefined;
        if (r.done === true) this.#sourceDone = true;
        else if (this.#closed) this.#lateHandler?.(this.#record(r.value, undefined));
        else this.#arrived = { task: r.value };
        this.#run.poke();
      },
      (error: unknown) => {
        this.#pendingNext = undefined;
        if (!this.#closed) this.#sourceError = { error };
        this.#run.poke();
      },
    );
  }

  #admitTaken(task: ScheduledTask<I, O>): Step | Promise<Step> {
    const invalid = invalidTask(task);
    if (invalid !== undefined) return this.#refuse(this.#record(task, undefined), invalid);
    const prepared = this.#prepare(task);
    if (prepared instanceof Error) return this.#refuse(this.#record(task, undefined), prepared);
    return this.#tryHeld(this.#record(task, prepared));
  }

  #tryHeld(record: TaskRecord<I, O, P, H>): Step | Promise<Step> {
    const prepared = record.prepared as P;
    const refusal = this.#gate.refusal(record.key, prepared);
    if (refusal !== undefined) {
      this.#held = undefined;
      return this.#refuse(record, refusal);
    }
    const took = this.#gate.take(prepared);
    if (took instanceof Promise) return took.then((hold) => this.#afterTake(record, hold));
    return this.#afterTake(record, took);
  }

  #afterTake(record: TaskRecord<I, O, P, H>, hold: H | undefined): Step {
    if (hold === undefined) {
      this.#held = record;
      return this.#blocked();
    }
    this.#held = undefined;
    record.hold = hold;
    this.taken = record;
    return Step.Start;
  }

  #blocked(): Step {
    this.wakeOnChange = this.#gate.changed();
    if (this.#held !== undefined) this.wakeOnSourceChange = undefined;
    return Step.Blocked;
  }

  #refuse(record: TaskRecord<I, O, P, H>, error: Error): Step {
    this.taken = record;
    this.refusal = error;
    return Step.Refuse;
  }

  #record(task: ScheduledTask<I, O>, prepared: P | undefined): TaskRecord<I, O, P, H> {
    return new TaskRecord<I, O, P, H>(task, keyOf(task), ++this.#nextTaskId, prepared as P);
  }

  #prepare(task: ScheduledTask<I, O>): P | Error {
    const cost = task.cost;
    if (cost !== undefined && cost === this.#lastCost) return this.#lastPrepared as P;
    const prepared = this.#gate.prepare(keyOf(task), cost);
    // An error names its task, so only successes are reused.
    if (!(prepared instanceof Error)) {
      this.#lastCost = cost;
      this.#lastPrepared = prepared;
    }
    return prepared;
  }
}

/** The task's key as a string, even for a malformed task. */
export function keyOf(task: unknown): string {
  const key = (task as { key?: unknown } | null | undefined)?.key;
  return typeof key === 'string' ? key : String(key);
}

function invalidTask(task: unknown): Error | undefined {
  if (task === null || typeof task !== 'object')
    return new InvalidTaskError(keyOf(task), `got ${typeof task}`);
  if (typeof (task as { runner?: unknown }).runner !== 'function') {
    return new InvalidTaskError(keyOf(task), '`runner` must be a function');
  }
  return undefined;
}
