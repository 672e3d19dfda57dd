import { CallbackError } from '../errors/runner-errors.js';
import type { CapacityGate } from './capacity-gate.js';
import { FifoQueue } from './event-queue.js';
import { FifoAdmission, Step, type TaskSourceLike } from './fifo-admission.js';
import type { TaskEventKind, TaskRecord } from './task-record.js';
import type { ScheduledTask, TaskProgressEnvelope } from './types.js';

/** Hooks a runner class uses to guard against two concurrent runs. */
export interface RunHooks {
  onStart(): void;
  onEnd(): void;
}

/**
 * One execution of `runTasks`: admits tasks, runs them, and turns their outcomes into envelopes.
 *
 * Tasks never touch the generator directly. Each outcome (a streamed value, a result, an error) is parked on the
 * task's record and queued; the generator takes one queued record per envelope. That keeps every decision in one
 * place and in one order: release, callback, then yield (D11), with no `Promise.race` over running tasks.
 */
export class TaskRun<I, O, P, H = P> {
  #gate: CapacityGate<P, H>;
  #admission: FifoAdmission<I, O, P, H>;
  #events = new FifoQueue<TaskRecord<I, O, P, H>>();
  #inFlight = new Set<TaskRecord<I, O, P, H>>();
  #state: Step = Step.Waiting;
  #ended = false;
  #wake: (() => void) | undefined;
  #poked = false;
  /** Change signals the loop already waits on (capacity, source). */
  #armed = new Set<Promise<void>>();

  constructor(source: TaskSourceLike<ScheduledTask<I, O>>, gate: CapacityGate<P, H>) {
    this.#gate = gate;
    this.#admission = new FifoAdmission(source, gate, this);
  }

  /** The envelope stream. Ending it early (break, return, throw) runs the D14 cleanup. */
  async *envelopes(
    stopOnError: boolean,
    hooks: RunHooks,
  ): AsyncGenerator<TaskProgressEnvelope<I, O>, void, unknown> {
    hooks.onStart();
    try {
      for (;;) {
        this.#poked = false;
        const filling = this.#fill();
        if (filling !== undefined) await filling;
        const record = this.#events.shift();
        if (record !== undefined) {
          const streamed = record.event === 'intermediate';
          const envelope = this.#envelope(record);
          if (envelope.type === 'ERROR' && stopOnError) throw envelope.error;
          yield envelope;
          // The stream advances only when the consumer asks for more (D16).
          if (streamed && !this.#ended) this.#stepStream(record);
          continue;
        }
        if (this.#state === Step.Done && this.#inFlight.size === 0) return;
        const sleeping = this.#sleep();
        if (sleeping !== undefined) await sleeping;
      }
    } finally {
      this.#shutdown();
      hooks.onEnd();
    }
  }

  /** Admits and starts tasks until the head blocks, the source has nothing ready, or it is done. */
  #fill(): Promise<void> | undefined {
    for (;;) {
      const step = this.#admission.step();
      if (typeof step !== 'number') return step.then((s) => (this.#apply(s) ? this.#fill() : undefined));
      if (!this.#apply(step)) return undefined;
    }
  }

  /** Acts on one admission step; returns whether to keep filling. */
  #apply(step: Step): boolean {
    if (step === Step.Start) {
      this.#start(this.#admission.taken as TaskRecord<I, O, P, H>);
      return true;
    }
    if (step === Step.Refuse) {
      const record = this.#admission.taken as TaskRecord<I, O, P, H>;
      this.#settle(record, 'refused', this.#admission.refusal);
      return true;
    }
    this.#state = step;
    if (step === Step.Blocked) {
      this.#arm(this.#admission.wakeOnChange ?? this.#gate.changed());
      const sourceChange = this.#admission.wakeOnSourceChange;
      if (sourceChange !== undefined) this.#arm(sourceChange);
    }
    return false;
  }

  #start(record: TaskRecord<I, O, P, H>): void {
    this.#inFlight.add(record);
    let result: unknown;
    try {
      result = record.task.runner(record);
    } catch (error) {
      // Thrown before returning a promise or stream: give the cost back at once.
      record.releaseOnce(this.#gate);
      this.#settle(record, 'error', error);
      return;
    }
    if (isAsyncIterable(result)) {
      this.#stream(record, result);
      return;
    }
    Promise.resolve(result).then(
      // An async function that resolves to a generator (`async () => job.start()`) streams too (API.md §6.17).
      (value) =>
        isAsyncIterable(value) ? this.#stream(record, value) : this.#settle(record, 'final', value),
      (error: unknown) => this.#settle(record, 'error', error),
    );
  }

  #stream(record: TaskRecord<I, O, P, H>, iterable: AsyncIterable<unknown>): void {
    try {
      // Generators return themselves; other async iterables (a Node stream, a custom object) hand out an iterator.
      record.iterator = iterable[Symbol.asyncIterator]() as AsyncIterator<I, O, void>;
    } catch (error) {
      this.#settle(record, 'error', error);
      return;
    }
    // A stream that arrives after the run ended is closed without being started.
    if (this.#ended) this.#closeStream(record);
    else this.#stepStream(record);
  }

  #stepStream(record: TaskRecord<I, O, P, H>): void {
    record.stepping = true;
    let step: Promise<IteratorResult<I, O>>;
    try {
      step = (record.iterator as AsyncIterator<I, O, void>).next();
    } catch (error) {
      record.stepping = false;
      this.#settle(record, 'error', error);
      return;
    }
    Promise.resolve(step).then(
      (r) => {
        record.stepping = false;
        if (r === null || typeof r !== 'object') {
          this.#settle(record, 'error', new TypeError(`Iterator result ${String(r)} is not an object`));
        } else this.#settle(record, r.done === true ? 'final' : 'intermediate', r.value);
      },
      (error: unknown) => {
        record.stepping = false;
        this.#settle(record, 'error', error);
      },
    );
  }

  /** Parks a task's outcome for the generator, or finishes it quietly once the run has ended. */
  #settle(record: TaskRecord<I, O, P, H>, kind: TaskEventKind, value: unknown): void {
    if (this.#ended) {
      this.#settleAfterEnd(record, kind, value);
      return;
    }
    record.event = kind;
    record.eventValue = value;
    this.#events.push(record);
    this.poke();
  }

  /** Turns a parked outcome into an envelope: release, then callback, then the caller yields (D11, D13). */
  #envelope(record: TaskRecord<I, O, P, H>): TaskProgressEnvelope<I, O> {
    const kind = record.event;
    const value = record.eventValue;
    record.event = 'none';
    record.eventValue = undefined;
    const { taskId, key } = record;
    if (kind === 'intermediate') return { taskId, key, type: 'INTERMEDIATE', value: value as I };
    this.#finish(record);
    if (kind === 'final') {
      try {
        invoke(record.task, 'onComplete', key, value);
      } catch (thrown) {
        return { taskId, key, type: 'ERROR', error: new CallbackError(key, 'onComplete', thrown) };
      }
      return { taskId, key, type: 'FINAL', value: value as O };
    }
    try {
      invoke(record.task, 'onError', key, value);
    } catch (thrown) {
      return { taskId, key, type: 'ERROR', error: new CallbackError(key, 'onError', thrown, value) };
    }
    return { taskId, key, type: 'ERROR', error: value };
  }

  /** Releases a task's cost (once) and forgets it. */
  #finish(record: TaskRecord<I, O, P, H>): void {
    record.releaseOnce(this.#gate);
    record.settled = true;
    this.#inFlight.delete(record);
  }

  /**
   * Wakes the loop when `change` resolves. Capacity signals are captured in the same tick as the failed check,
   * so a release landing in between is not lost; a signal already armed is not armed twice.
   */
  #arm(change: Promise<void>): void {
    if (this.#armed.has(change)) return;
    this.#armed.add(change);
    change.then(() => {
      this.#armed.delete(change);
      this.poke();
    });
  }

  #sleep(): Promise<void> | undefined {
    if (this.#poked) return undefined;
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Wakes the loop: an event arrived, the source delivered, or capacity changed. */
  poke(): void {
    const wake = this.#wake;
    if (wake === undefined) {
      this.#poked = true;
      return;
    }
    this.#wake = undefined;
    wake();
  }

  /** D14: start nothing new, stop what runs, release each cost once as it settles, keep callbacks exactly-once. */
  #shutdown(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake = undefined;
    for (const orphan of this.#admission.close((late) => this.#abandon(late))) this.#abandon(orphan);
    for (const record of this.#events.drain()) this.#settleAfterEnd(record, record.event, record.eventValue);
    for (const record of [...this.#inFlight]) {
      record.abort();
      if (record.iterator !== undefined && !record.stepping) this.#closeStream(record);
    }
  }

  #settleAfterEnd(record: TaskRecord<I, O, P, H>, kind: TaskEventKind, value: unknown): void {
    if (kind === 'intermediate') {
      this.#closeStream(record);
      return;
    }
    const settled = record.settled;
    this.#finish(record);
    if (settled) return;
    quietly(() => invoke(record.task, kind === 'final' ? 'onComplete' : 'onError', record.key, value));
  }

  /** A task taken from the source that never started. */
  #abandon(record: TaskRecord<I, O, P, H>): void {
    record.settled = true;
    quietly(() => invoke(record.task, 'onError', record.key, record.abortReason()));
  }

  /** Asks a paused stream to finish (its `finally` blocks run); its cost is released when that settles. */
  #closeStream(record: TaskRecord<I, O, P, H>): void {
    if (record.closing) return;
    record.closing = true;
    record.abort();
    const iterator = record.iterator as AsyncIterator<I, O, void>;
    const reason = record.abortReason();
    let closing: unknown;
    try {
      closing = iterator.return?.(undefined as unknown as O);
    } catch (error) {
      this.#settleAfterEnd(record, 'error', error);
      return;
    }
    Promise.resolve(closing).then(
      () => this.#settleAfterEnd(record, 'error', reason),
      (error: unknown) => this.#settleAfterEnd(record, 'error', error),
    );
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/** Calls a task's `onComplete`/`onError` if it has one, tolerating malformed tasks (they are reported). */
function invoke(task: unknown, name: 'onComplete' | 'onError', key: string, value: unknown): void {
  if (task === null || typeof task !== 'object') return;
  const fn: unknown = (task as Record<string, unknown>)[name];
  if (typeof fn === 'function') fn.call(task, key, value);
}

/** After the run ended there is no consumer to report to: callback exceptions are dropped (documented). */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Deliberately ignored; see docs/runner.md "After the run ends".
  }
}
