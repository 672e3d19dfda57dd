import { InvalidOptionError } from '../errors/option-errors.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { emitRelease } from './capacity-events.js';
import { type CompiledCost, parseCostOrThrow } from './compiled-cost.js';
import { markReleaseNoop } from './cost-binding.js';
import { ResourceCapacitySource } from './resource-capacity-source.js';
import type { ResourceCost } from './types.js';

/**
 * A budget that is consumed, not borrowed: `release` gives nothing back. Capacity returns only through
 * `reset` / `increment`, typically from the built-in timer (rate limits, token buckets).
 *
 * Everything else behaves as in {@link ResourceCapacitySource}. `reconcile` still works: only the unused part
 * of an estimate comes back, consumed quota does not. A child pool under a quota gets its own slots back on
 * release while the quota stays consumed; the release stops at the quota (it does not reach the quota's parent).
 *
 * Timers do not keep the process alive on their own (they are `unref()`ed), except while someone waits for the
 * next refill through {@link QuotaCapacitySource.changed} — a runner blocked on this quota, for example. Then the
 * timer holds the process open until its next tick, so a rate-limited script does not exit half-way.
 * Call `stopTimer()` when done.
 *
 * @example
 * const quota = new QuotaCapacitySource({ requests: 100 });
 * quota.startPeriodicReset(60_000); // 100 requests per minute
 */
export class QuotaCapacitySource extends ResourceCapacitySource {
  readonly #metrics: ICapacityMetricsCollector | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Someone called `changed()` since the last tick: keep the timer referenced. */
  #awaited = false;

  /** Same parameters as {@link ResourceCapacitySource}. */
  constructor(limits: ResourceCost, parent?: ResourceCapacitySource, metrics?: ICapacityMetricsCollector) {
    super(limits, parent, metrics);
    this.#metrics = metrics ?? undefined;
    markReleaseNoop(this);
  }

  /**
   * No-op: availability does not change, nothing is signalled and the parent is not touched. With a collector,
   * an `onRelease` event is still emitted (with `availableAfter` unchanged) so that, as for any source a runner
   * uses, the collector sees one release per accepted acquisition and in-flight returns to 0 (D6). Consumed quota
   * shows in `available` / utilization, not in in-flight.
   */
  override release(cost: ResourceCost): void {
    const m = this.#metrics;
    if (m !== undefined) emitRelease(m, { ...cost }, this.available);
  }

  /** No-op, as {@link QuotaCapacitySource.release}. */
  override releaseCompiled(c: CompiledCost): void {
    const m = this.#metrics;
    if (m !== undefined) emitRelease(m, c.cost, this.available);
  }

  /**
   * Calls `reset()` every `intervalMs` (refilling to the limits). Stops any timer already running.
   * `intervalMs` must be a finite number > 0, else `InvalidOptionError`.
   */
  startPeriodicReset(intervalMs: number): void {
    checkInterval(intervalMs);
    this.#start(intervalMs, () => this.reset());
  }

  /**
   * Calls `increment(amount)` every `intervalMs`, capped at the limits (a token bucket). Stops any timer already
   * running. `amount` is copied now; an invalid amount throws `InvalidCostError`, an invalid interval
   * `InvalidOptionError`.
   */
  startPeriodicIncrement(intervalMs: number, amount: ResourceCost): void {
    checkInterval(intervalMs);
    parseCostOrThrow(amount);
    const copy: ResourceCost = { ...amount };
    this.#start(intervalMs, () => this.increment(copy));
  }

  /**
   * As {@link ResourceCapacitySource.changed}. While a caller waits, the refill timer (if any) keeps the process
   * alive until its next tick.
   */
  override changed(): Promise<void> {
    const next = super.changed();
    this.#awaited = true;
    refTimer(this.#timer, true);
    return next;
  }

  /** Stops the timer if there is one. Idempotent. */
  stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #start(intervalMs: number, tick: () => void): void {
    this.stopTimer();
    const timer = setInterval(() => {
      // Waiters are woken by the tick; those still blocked call changed() again and re-reference the timer.
      this.#awaited = false;
      refTimer(timer, false);
      tick();
    }, intervalMs);
    refTimer(timer, this.#awaited);
    this.#timer = timer;
  }
}

/** Node returns a Timeout with ref()/unref(); other runtimes may return a number. */
function refTimer(timer: ReturnType<typeof setInterval> | undefined, keepAlive: boolean): void {
  const handle = timer as { ref?: () => unknown; unref?: () => unknown } | undefined;
  if (keepAlive) handle?.ref?.();
  else handle?.unref?.();
}

function checkInterval(intervalMs: number): void {
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new InvalidOptionError('intervalMs', intervalMs, 'a finite number of milliseconds > 0');
  }
}
