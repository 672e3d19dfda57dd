import type { SchedulerEvents } from './types.js';

/** A listener of one scheduler event. */
export type SchedulerListener<E extends keyof SchedulerEvents> = (event: SchedulerEvents[E]) => void;

/**
 * Typed listeners by event name. Emitting never throws: a listener's exception is reported as a process warning
 * (scheduling must not depend on, or wait for, the caller's code) and the other listeners still run.
 */
export class SchedulerEmitter {
  readonly #listeners = new Map<keyof SchedulerEvents, Set<(event: never) => void>>();

  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerListener<E>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    // Wrapped so the same function can be added twice and each unsubscribe removes its own.
    const entry = (e: never): void => listener(e);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** True when someone listens to `event` (callers skip building the event object otherwise). */
  has(event: keyof SchedulerEvents): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  emit<E extends keyof SchedulerEvents>(event: E, payload: SchedulerEvents[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as SchedulerListener<E>)(payload);
      } catch (error) {
        warnListener(event, error);
      }
    }
  }
}

/** Reports a callback's exception without throwing (a warning, so it is seen but never crashes). */
export function warnListener(where: string, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    process.emitWarning(`allot: a ${where} listener threw: ${text}`, 'AllotListenerWarning');
  } catch {
    // No process warnings here (not Node): nothing else to do without risking a crash.
  }
}
