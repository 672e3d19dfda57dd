import type { ResourceCost } from '../foundation/resource-cost.js';
import { requireFinite, requireWindowMs, roundMicro } from './checks.js';
import { Counter } from './counter.js';
import { RollingWindow } from './rolling-window.js';
import type {
  CapacityIncrementEvent,
  CapacityMetricsSnapshot,
  CapacityReconcileEvent,
  CapacityReleaseEvent,
  CapacityResetEvent,
  CapacitySetLimitsEvent,
  CapacityTryAcquireAcceptedEvent,
  CapacityTryAcquireRejectedEvent,
  ICapacityMetricsCollector,
} from './types.js';

/**
 * In-memory {@link ICapacityMetricsCollector}: counts events, tracks work in flight and utilization per
 * resource, and keeps per-second rates over a rolling window. Attach one collector to one capacity source;
 * utilization and in-flight figures describe a single source.
 *
 * Handlers never throw: they are called from inside the source's operations, and a metrics fault must not
 * break acquisition. A missing or non-finite `atMs` is read as `Date.now()`, and non-finite amounts are ignored.
 *
 * @example
 * const metrics = new DefaultCapacityMetricsCollector();
 * const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, metrics);
 * pool.tryAcquire({ gpu: 1 });
 * metrics.snapshot().inFlightByResource; // { gpu: 1 }
 */
export class DefaultCapacityMetricsCollector implements ICapacityMetricsCollector {
  /** Length of the rate window in milliseconds. */
  readonly windowMs: number;

  #accepted = new Counter();
  #rejected = new Counter();
  #released = new Counter();
  #resets = new Counter();
  #increments = new Counter();
  #setLimits = new Counter();

  #inFlight = new Map<string, number>();
  #requestedRejected = new Map<string, number>();
  // Latest known limits and availability; utilization is derived from them on read.
  #limits = new Map<string, number>();
  #available = new Map<string, number>();

  #acceptedRate: RollingWindow;
  #rejectedRate: RollingWindow;
  #releaseRate: RollingWindow;

  /** @param windowMs rate window (default 60 s); a finite number greater than 0, else `InvalidOptionError`. */
  constructor(windowMs = 60_000) {
    this.windowMs = requireWindowMs(windowMs);
    this.#acceptedRate = new RollingWindow(windowMs);
    this.#rejectedRate = new RollingWindow(windowMs);
    this.#releaseRate = new RollingWindow(windowMs);
  }

  /** A `tryAcquire` took `requested`. */
  onTryAcquireAccepted(e: CapacityTryAcquireAcceptedEvent): void {
    this.#accepted.add();
    addInto(this.#inFlight, e.requested, 1);
    setInto(this.#available, e.availableAfter);
    this.#acceptedRate.observe(1, eventTime(e.atMs));
  }

  /** A `tryAcquire` changed nothing. Only `insufficient_capacity` counts towards requested-rejected amounts. */
  onTryAcquireRejected(e: CapacityTryAcquireRejectedEvent): void {
    this.#rejected.add();
    if (e.reason === 'insufficient_capacity') addInto(this.#requestedRejected, e.requested, 1);
    setInto(this.#available, e.available);
    this.#rejectedRate.observe(1, eventTime(e.atMs));
  }

  /** A `release` returned capacity. In flight never drops below 0, just as a source's in-use never does. */
  onRelease(e: CapacityReleaseEvent): void {
    this.#released.add();
    addInto(this.#inFlight, e.released, -1);
    setInto(this.#available, e.availableAfter);
    this.#releaseRate.observe(1, eventTime(e.atMs));
  }

  /** A `reconcile` corrected an estimate: in flight moves by `actual − estimated` (never below 0). */
  onReconcile(e: CapacityReconcileEvent): void {
    for (const key of new Set([...Object.keys(e.estimated), ...Object.keys(e.actual)])) {
      const delta = (e.actual[key] ?? 0) - (e.estimated[key] ?? 0);
      if (Number.isFinite(delta) && delta !== 0)
        addInto(this.#inFlight, { [key]: Math.abs(delta) }, delta > 0 ? 1 : -1);
    }
    setInto(this.#available, e.availableAfter);
  }

  /** A `reset` refilled the budget and forgot holdings (in use is 0), so in flight goes back to 0 as well. */
  onReset(e: CapacityResetEvent): void {
    this.#resets.add();
    for (const key of this.#inFlight.keys()) this.#inFlight.set(key, 0);
    setInto(this.#limits, e.limitsAfter);
    setInto(this.#available, e.availableAfter);
  }

  /** An `increment` added to the available budget. */
  onIncrement(e: CapacityIncrementEvent): void {
    this.#increments.add();
    setInto(this.#available, e.availableAfter);
  }

  /** A `setLimits` call (also emitted once when a source is constructed). */
  onSetLimits(e: CapacitySetLimitsEvent): void {
    this.#setLimits.add();
    setInto(this.#limits, e.limitsAfter);
    setInto(this.#available, e.availableAfter);
  }

  /** A fresh, plain copy of the current figures, with rates evaluated at `nowMs` (default `Date.now()`). */
  snapshot(nowMs: number = Date.now()): CapacityMetricsSnapshot {
    requireFinite('nowMs', nowMs);
    return {
      capturedAtMs: nowMs,
      totals: {
        acquireAccepted: this.#accepted.value(),
        acquireRejected: this.#rejected.value(),
        release: this.#released.value(),
        reset: this.#resets.value(),
        increment: this.#increments.value(),
        setLimits: this.#setLimits.value(),
      },
      inFlightByResource: Object.fromEntries(this.#inFlight),
      requestedRejectedByResource: Object.fromEntries(this.#requestedRejected),
      utilizationByResource: this.#utilization(),
      rates: {
        acquireAcceptedPerSec: this.#acceptedRate.stats(nowMs),
        acquireRejectedPerSec: this.#rejectedRate.stats(nowMs),
        releasePerSec: this.#releaseRate.stats(nowMs),
      },
    };
  }

  #utilization(): Record<string, number> {
    const out: [string, number][] = [];
    for (const [key, limit] of this.#limits) {
      const available = this.#available.get(key) ?? limit;
      const u = limit > 0 ? (limit - available) / limit : 0;
      out.push([key, Math.min(1, Math.max(0, u))]);
    }
    // fromEntries defines own properties, so a resource named "__proto__" cannot touch the prototype.
    return Object.fromEntries(out);
  }
}

function eventTime(atMs: number): number {
  return typeof atMs === 'number' && Number.isFinite(atMs) ? atMs : Date.now();
}

/** Adds `sign * amount` per resource, rounded to the 6-decimal amount precision and floored at 0. */
function addInto(target: Map<string, number>, amounts: Readonly<ResourceCost>, sign: 1 | -1): void {
  for (const [key, amount] of Object.entries(amounts)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) continue;
    target.set(key, Math.max(0, roundMicro((target.get(key) ?? 0) + sign * amount)));
  }
}

/** Overwrites the latest known value per resource; resources the event does not name keep theirs. */
function setInto(target: Map<string, number>, values: Readonly<ResourceCost>): void {
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number' && Number.isFinite(value)) target.set(key, value);
  }
}
