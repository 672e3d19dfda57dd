import { CostExceedsLimitError } from '../errors/capacity-errors.js';
import type { CapacityGate } from '../runner/capacity-gate.js';
import { type CapacitySource, zeroCapacityLevel } from './capacity-source.js';

/** A legacy task's prepared cost: every task takes exactly one unit, whatever its `cost` says. */
export type CounterUnit = 1;

/**
 * {@link CapacityGate} over a single-counter {@link CapacitySource}, so the legacy runner runs on the modern
 * run loop. Every step is synchronous: `take` uses `tryAcquire()`, never the waiting `acquire()`, because
 * the run loop finishes admitting before it hands out envelopes, and units come back only as envelopes are
 * handed out: a `take` that waited for a release would wait forever.
 */
export class CounterGate implements CapacityGate<CounterUnit> {
  readonly #source: CapacitySource;

  constructor(source: CapacitySource) {
    this.#source = source;
  }

  prepare(): CounterUnit {
    return 1;
  }

  /** A chain with a level of maximum 0 can never run anything: the task is reported instead of hanging. */
  refusal(key: string): Error | undefined {
    const level = zeroCapacityLevel(this.#source);
    return level === undefined ? undefined : new CostExceedsLimitError(key, 'capacity', 1, 0, level);
  }

  fits(): boolean {
    return this.#source.peek() !== undefined;
  }

  take(): CounterUnit | undefined {
    return this.#source.tryAcquire() ? 1 : undefined;
  }

  release(): void {
    void this.#source.release();
  }

  onChange(listener: () => void): () => void {
    let active = true;
    // Re-armed before the listener runs, so a release landing while the run re-checks is not missed.
    const arm = (): void => {
      void this.#source.changed().then(() => {
        if (!active) return;
        arm();
        listener();
      });
    };
    arm();
    return () => {
      active = false;
    };
  }
}
