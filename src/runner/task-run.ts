import { CallbackError } from '../errors/runner-errors.js';
import { Deque } from '../foundation/deque.js';
import { yieldToEventLoop } from '../foundation/timers.js';
import type { CapacityGate } from './capacity-gate.js';
import { type Admission, FifoAdmission, type TaskSourceLike } from './fifo-admission.js';
import { type TaskEventKind, TaskRecord } from './task-record.js';
import type { ScheduledTask, TaskProgressEnvelope } from './types.js';

/** How many turns of the loop (envelopes handed out, tasks started) pass between two looks at the clock. */
const TURNS_PER_CLOCK_CHECK = 256;
/**
 * The longest stretch of continuous work, in milliseconds, before the run lets timers and I/O in. Tasks that
 * settle at once keep the whole run on the microtask queue, which would otherwise starve the event loop.
 */
const MAX_SLICE_MS = 4;

/** What {@link TaskRun.pull} produces: the next envelope, or `undefined` once the run is complete. */
export type Pulled<I, O> = TaskProgressEnvelope<I, O> | undefined;

/** Returned by a loop turn that found nothing to hand out but was woken meanwhile: look again. */
const AGAIN = Symbol('again');

/**
 * One execution of `runTasks`: admits tasks, runs them, and turns their outcomes into envelopes, one per
 * {@link TaskRun.pull}. {@link EnvelopeStream} turns that into the async generator users iterate.
 *
 * Tasks never touch the consumer directly. Each outcome (a streamed value, a result, an error) is parked on the
 * task's record and queued; each pull takes one queued record. That keeps every decision in one place and in
 * one order: release, then callback, then hand out, with no `Promise.race` over running tasks. Nothing starts
 * and no stream advances between two pulls: the consumer paces the run.
 *
 * A pull sleeps only when there is nothing to hand out and nothing to admit. It is woken by a task event, by
 * the source delivering, by a change of the source's head, or — while the head waits for capacity — by any
 * capacity change up the chain (a listener held for the whole run, so no change is ever missed).
 */
export class TaskRun<I, O, P, H = P> {
  readonly #gate: CapacityGate<P, H>;
  readonly #admission: FifoAdmission<I, O, P, H>;
  readonly #stopOnError: boolean;
  readonly #events = new Deque<TaskRecord<I, O, P, H>>();
  readonly #inFlight = new Set<TaskRecord<I, O, P, H>>();
  /** The head waits for capacity: a capacity change must wake the loop. */
  #blocked = false;
  /**
   * Capacity changed since the current fill began. A check and the step that acts on it may be a microtask
   * apart (a source that pulls asynchronously); a change in between must not be lost.
   */
  #capacityChanged = false;
  #sourceDone = false;
  #ended = false;
  /** Set while a pull sleeps: how to hand it its result once the loop, woken, produces one. */
  #sleeper: { resolve: (pulled: Pulled<I, O>) => void; reject: (error: unknown) => void } | undefined;
  #poked = false;
  /** Source change signals the loop already waits on. */
  readonly #armed = new Set<Promise<void>>();
  #unlisten: (() => void) | undefined;
  /** The gate was told the run waits (it counts waiters; a quota keeps its timer alive for them). */
  #waiting = false;
  /** A streaming task whose last value was handed out: it advances when the consumer pulls again. */
  #resume: TaskRecord<I, O, P, H> | undefined;
  #turns = 0;
  #sliceStart = -1;

  /**
   * @param stopOnError - when true, the first `ERROR` envelope is thrown out of {@link TaskRun.pull} instead
   */
  constructor(source: TaskSourceLike<ScheduledTask<I, O>>, gate: CapacityGate<P, H>, stopOnError: boolean) {
    this.#gate = gate;
    this.#stopOnError = stopOnError;
    this.#admission = new FifoAdmission(source, gate, this.#poke);
  }

  /** Starts listening to capacity; call once, before the first pull. */
  begin(): void {
    this.#unlisten = this.#gate.onChange(this.#onCapacityChange);
  }

  /**
   * The next envelope, at once when one is ready, else a promise of it; `undefined` once the source is done and
   * nothing is in flight. Throws (or rejects with) a task's error under `stopOnError`, or the source's error.
   */
  pull(): Pulled<I, O> | Promise<Pulled<I, O>> {
    const resume = this.#resume;
    if (resume !== undefined) {
      this.#resume = undefined;
      if (!this.#ended) this.#stepStream(resume);
    }
    return this.#loop();
  }

  /** Start nothing new, stop what runs, release each cost once as it settles, keep callbacks exactly-once. */
  end(): void {
    this.#shutdown();
  }

  #loop(): Pulled<I, O> | Promise<Pulled<I, O>> {
    for (;;) {
      if (this.#ended) return undefined; // ended meanwhile (from a task, or while a pull waited)
      if (this.#sliceUsed()) return yieldToEventLoop().then(this.#loopAgain);
      this.#poked = false;
      const filling = this.#fill();
      if (filling !== undefined) return filling.then(this.#afterAsyncFill);
      const out = this.#handOutOrSleep();
      if (out !== AGAIN) return out;
    }
  }

  readonly #loopAgain = (): Pulled<I, O> | Promise<Pulled<I, O>> => this.#loop();

  readonly #afterAsyncFill = (): Pulled<I, O> | Promise<Pulled<I, O>> => {
    const out = this.#handOutOrSleep();
    return out === AGAIN ? this.#loop() : out;
  };

  /** Hands out the next queued outcome, reports the end, or sleeps until woken. */
  #handOutOrSleep(): Pulled<I, O> | Promise<Pulled<I, O>> | typeof AGAIN {
    const record = this.#events.shift();
    if (record !== undefined) {
      const envelope = this.#envelope(record);
      if (envelope.type === 'INTERMEDIATE') this.#resume = record;
      else if (envelope.type === 'ERROR' && this.#stopOnError) throw envelope.error;
      return envelope;
    }
    if (this.#ended || (this.#sourceDone && this.#inFlight.size === 0)) return undefined;
    if (this.#poked) return AGAIN;
    return new Promise<Pulled<I, O>>((resolve, reject) => {
      this.#sleeper = { resolve, reject };
    });
  }

  /** Admits and starts tasks until the head blocks, the source has nothing ready, or it is done. */
  #fill(): Promise<void> | undefined {
    this.#blocked = false;
    this.#capacityChanged = false;
    this.#stopWaiting();
    for (;;) {
      if (this.#ended) return undefined;
      const step = this.#admission.step();
      if (step instanceof Promise) return step.then((s) => (this.#apply(s) ? this.#fill() : undefined));
      if (!this.#apply(step)) return undefined;
      if (this.#sliceUsed()) return yieldToEventLoop().then(() => this.#fill());
    }
  }

  /** Acts on one admission step; returns whether to keep filling. */
  #apply(step: Admission<I, O, P, H>): boolean {
    if (step instanceof TaskRecord) {
      this.#start(step);
      return true;
    }
    switch (step.kind) {
      case 'refuse':
        this.#settle(step.record, 'refused', step.error);
        return true;
      case 'blocked':
        this.#blocked = true;
        // Changed after the check that blocked: look again instead of waiting for a next change.
        if (this.#capacityChanged) this.#poke();
        if (step.sourceChanged !== undefined) this.#arm(step.sourceChanged);
        if (this.#gate.waitFor !== undefined) {
          this.#gate.waitFor(step.prepared);
          this.#waiting = true;
        }
        return false;
      case 'waiting':
        return false;
      case 'done':
        this.#sourceDone = true;
        return false;
    }
  }

  #start(record: TaskRecord<I, O, P, H>): void {
    this.#inFlight.add(record);
    let result: unknown;
    try {
      result = record.task.runner(record);
    } catch (error) {
      // Thrown before returning a promise or stream: give the cost back at once.
      record.releaseOnce();
      this.#settle(record, 'error', error);
      return;
    }
    if (isAsyncIterable(result)) {
      this.#stream(record, result);
      return;
    }
    Promise.resolve(result).then(
      // An async function that resolves to a generator (`async () => job.start()`) streams too.
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
    this.#poke();
  }

  /**
   * Turns a parked outcome into an envelope: release, then callback, then the caller yields. Every task gets
   * exactly one terminal envelope; a callback that throws turns it into an `ERROR` carrying a `CallbackError`.
   */
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
    record.releaseOnce();
    record.settled = true;
    this.#inFlight.delete(record);
  }

  readonly #onCapacityChange = (): void => {
    this.#capacityChanged = true;
    if (!this.#blocked) return;
    this.#blocked = false;
    // Called from whoever changed the capacity (another run, user code): never run this loop on their stack.
    if (this.#sleeper === undefined) this.#poked = true;
    else void Promise.resolve().then(this.#poke);
  };

  #stopWaiting(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.#gate.endWait?.();
  }

  /** Wakes the loop when the source's head changes; a signal already armed is not armed twice. */
  #arm(change: Promise<void>): void {
    if (this.#armed.has(change)) return;
    this.#armed.add(change);
    // A source's signal that rejects wakes the loop too (the next step meets the source's error, if any).
    const woken = (): void => {
      this.#armed.delete(change);
      this.#poke();
    };
    change.then(woken, woken);
  }

  /** True once the loop has worked for a whole slice without letting the event loop in. */
  #sliceUsed(): boolean {
    if (++this.#turns < TURNS_PER_CLOCK_CHECK) return false;
    this.#turns = 0;
    const now = performance.now();
    if (this.#sliceStart < 0) {
      this.#sliceStart = now;
      return false;
    }
    if (now - this.#sliceStart < MAX_SLICE_MS) return false;
    this.#sliceStart = -1;
    return true;
  }

  /**
   * Wakes the loop: an event arrived, the source delivered, or the source's head changed. A sleeping pull is
   * served at once, here: the callers are this run's own promise reactions, so no stranger's stack is involved,
   * and the result reaches the consumer one promise hop sooner than through another wake-up promise.
   */
  readonly #poke = (): void => {
    const sleeper = this.#sleeper;
    if (sleeper === undefined) {
      this.#poked = true;
      return;
    }
    this.#sleeper = undefined;
    let out: Pulled<I, O> | Promise<Pulled<I, O>>;
    try {
      out = this.#loop();
    } catch (error) {
      sleeper.reject(error);
      return;
    }
    if (out instanceof Promise) out.then(sleeper.resolve, sleeper.reject);
    else sleeper.resolve(out);
  };

  #shutdown(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sleeper = undefined;
    this.#unlisten?.();
    this.#stopWaiting();
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
