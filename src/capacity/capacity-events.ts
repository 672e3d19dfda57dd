import type { ResourceCost, TryAcquireRejectReason } from '../foundation/resource-cost.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';

// Event builders for capacity metrics. Callers check for a collector first, so nothing here runs (and
// nothing is allocated) on the hot path when no collector is attached.
//
// A collector is an observer: whatever it throws must not change admission or accounting, which have already
// happened when it is called. Each emit therefore catches, reports the first fault of each collector once on
// the console, and goes on.

const reported = new WeakSet<object>();

function guarded(m: ICapacityMetricsCollector, hook: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    if (reported.has(m)) return;
    reported.add(m);
    console.error(
      `allot: a capacity metrics collector threw in ${hook}; the event was dropped and scheduling went on ` +
        '(later faults of this collector are not reported).',
      error,
    );
  }
}

/** Emits an accepted acquisition. */
export function emitAccepted(
  m: ICapacityMetricsCollector,
  requested: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  guarded(m, 'onTryAcquireAccepted', () =>
    m.onTryAcquireAccepted({ atMs: Date.now(), requested, availableAfter }),
  );
}

/** Emits a refused acquisition. */
export function emitRejected(
  m: ICapacityMetricsCollector,
  requested: Readonly<ResourceCost>,
  available: Readonly<ResourceCost>,
  reason: TryAcquireRejectReason,
): void {
  guarded(m, 'onTryAcquireRejected', () =>
    m.onTryAcquireRejected({ atMs: Date.now(), requested, available, reason }),
  );
}

/** Emits a release. */
export function emitRelease(
  m: ICapacityMetricsCollector,
  released: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  guarded(m, 'onRelease', () => m.onRelease({ atMs: Date.now(), released, availableAfter }));
}

/** Emits a reset. */
export function emitReset(
  m: ICapacityMetricsCollector,
  limitsAfter: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  guarded(m, 'onReset', () => m.onReset({ atMs: Date.now(), limitsAfter, availableAfter }));
}

/** Emits an increment. */
export function emitIncrement(
  m: ICapacityMetricsCollector,
  incrementBy: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  guarded(m, 'onIncrement', () => m.onIncrement({ atMs: Date.now(), incrementBy, availableAfter }));
}

/** Emits a cost correction, to collectors that listen for it. */
export function emitReconcile(
  m: ICapacityMetricsCollector,
  estimated: Readonly<ResourceCost>,
  actual: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  if (m.onReconcile === undefined) return;
  guarded(m, 'onReconcile', () => m.onReconcile?.({ atMs: Date.now(), estimated, actual, availableAfter }));
}

/** Emits a limits change (also once at construction, with empty `limitsBefore`). */
export function emitSetLimits(
  m: ICapacityMetricsCollector,
  limitsBefore: Readonly<ResourceCost>,
  limitsAfter: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  guarded(m, 'onSetLimits', () =>
    m.onSetLimits({ atMs: Date.now(), limitsBefore, limitsAfter, availableAfter }),
  );
}
