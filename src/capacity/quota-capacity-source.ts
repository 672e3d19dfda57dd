import { InvalidOptionError } from '../errors/option-errors.js';
import { PeriodicTimer } from '../foundation/timers.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { parseCostOrThrow } from './compiled-cost.js';
import { setLevelTraits } from './level-traits.js';
import { ResourceCapacitySource } from './resource-capacity-source.js';
import type { ResourceCost } from './types.js';

/** Options of {@link QuotaCapacitySource}. */
export interface QuotaCapacityOptions {
  /** Clock in milliseconds that refill deadlines are measured against; default `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * A budget that is consumed, not borrowed: `release` gives nothing back. Capacity returns only through
 * `reset` / `increment`, typically from the built-in timer (rate limits, token buckets).
 *
 * Everything else behaves as in {@link ResourceCapacitySource}. `reconcile` still works: only the unused part
 * of an estimate comes back, consumed quota does not. A child pool under a quota gets its own slots back on
 * release while the quota stays consumed; the release stops at the quota (it does not reach the quota's parent).
 *
 * Refill intervals may be of any length: a monthly quota (`30 * 86_400_000` ms) refills once a month, measured
 * against the clock, although a single JavaScript timer cannot wait that long.
 *
 * The timer never keeps the process alive on its own. It does while a runner is blocked because this quota
 * (not some other level) is short — the refill is what will let it go on — so a rate-limited script does not
 * exit half-way; and until the next tick after a direct call of {@link QuotaCapacitySource.changed}. Call
 * `stopTimer()` when done.
 *
 * @example
 * const quota = new QuotaCapacitySource({ requests: 100 });
 * quota.startPeriodicReset(60_000); // 100 requests per minute
 */
export class QuotaCapacitySource extends ResourceCapacitySource {
  readonly #now: () => number;
  #timer: PeriodicTimer | undefined;
  /** Runners blocked because this quota is short: a refill is what they wait for. */
  #refillWaiters = 0;
  /** A direct `changed()` caller is waiting: keep the process alive until the next tick. */
  #awaitedUntilTick = false;

  /**
   * Same first three parameters as {@link ResourceCapacitySource}.
   * @param options - the clock refill deadlines are measured against
   */
  constructor(
    limits: ResourceCost,
    parent?: ResourceCapacitySource,
    metrics?: ICapacityMetricsCollector,
    options: QuotaCapacityOptions = {},
  ) {
    super(limits, parent, metrics);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') {
      throw new InvalidOptionError('now', now, 'a function returning the time in milliseconds');
    }
    this.#now = now;
    setLevelTraits(this, {
      releaseNoop: true,
      waitingChanged: (waiting) => {
        this.#refillWaiters = waiting;
        this.#applyKeepAlive();
      },
    });
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
   * As {@link ResourceCapacitySource.changed}. A caller of this method waits for a refill, so the timer (if any)
   * keeps the process alive until its next tick.
   */
  override changed(): Promise<void> {
    this.#awaitedUntilTick = true;
    this.#applyKeepAlive();
    return super.changed();
  }

  /** Stops the timer if there is one. Idempotent. */
  stopTimer(): void {
    this.#timer?.stop();
    this.#timer = undefined;
  }

  #start(intervalMs: number, tick: () => void): void {
    this.stopTimer();
    const timer = new PeriodicTimer(
      intervalMs,
      () => {
        this.#awaitedUntilTick = false;
        this.#applyKeepAlive();
        tick();
      },
      this.#now,
    );
    timer.start();
    this.#timer = timer;
    this.#applyKeepAlive();
  }

  #applyKeepAlive(): void {
    this.#timer?.keepAlive(this.#refillWaiters > 0 || this.#awaitedUntilTick);
  }
}

function checkInterval(intervalMs: number): void {
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new InvalidOptionError('intervalMs', intervalMs, 'a finite number of milliseconds > 0');
  }
}
