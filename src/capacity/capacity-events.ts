import type { ICapacityMetricsCollector } from '../metrics/types.js';
import type { ResourceCost } from './types.js';

// Event builders for capacity metrics. Callers check for a collector first, so nothing here runs (and
// nothing is allocated) on the hot path when no collector is attached.

/** Emits an accepted acquisition. */
export function emitAccepted(
  m: ICapacityMetricsCollector,
  requested: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onTryAcquireAccepted({ atMs: Date.now(), requested, availableAfter });
}

/** Emits a refused acquisition. */
export function emitRejected(
  m: ICapacityMetricsCollector,
  requested: Readonly<ResourceCost>,
  available: Readonly<ResourceCost>,
  reason: 'insufficient_capacity' | 'invalid_cost',
): void {
  m.onTryAcquireRejected({ atMs: Date.now(), requested, available, reason });
}

/** Emits a release. */
export function emitRelease(
  m: ICapacityMetricsCollector,
  released: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onRelease({ atMs: Date.now(), released, availableAfter });
}

/** Emits a reset. */
export function emitReset(
  m: ICapacityMetricsCollector,
  limitsAfter: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onReset({ atMs: Date.now(), limitsAfter, availableAfter });
}

/** Emits an increment. */
export function emitIncrement(
  m: ICapacityMetricsCollector,
  incrementBy: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onIncrement({ atMs: Date.now(), incrementBy, availableAfter });
}

/** Emits a cost correction, to collectors that listen for it. */
export function emitReconcile(
  m: ICapacityMetricsCollector,
  estimated: Readonly<ResourceCost>,
  actual: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onReconcile?.({ atMs: Date.now(), estimated, actual, availableAfter });
}

/** Emits a limits change (also once at construction, with empty `limitsBefore`). */
export function emitSetLimits(
  m: ICapacityMetricsCollector,
  limitsBefore: Readonly<ResourceCost>,
  limitsAfter: Readonly<ResourceCost>,
  availableAfter: Readonly<ResourceCost>,
): void {
  m.onSetLimits({ atMs: Date.now(), limitsBefore, limitsAfter, availableAfter });
}
