import type { ResourceCost, TryAcquireRejectReason } from '../foundation/resource-cost.js';

/** Aggregate of the values a {@link RollingWindow} saw inside its window. */
export interface RollingWindowStats {
  /** Length of the window in milliseconds. */
  windowMs: number;
  /** Number of observations in the window. */
  count: number;
  /** Sum of the observed values. */
  sum: number;
  /** `sum / count`, or 0 for an empty window. */
  avg: number;
  /** Smallest observed value, or `null` for an empty window. */
  min: number | null;
  /** Largest observed value, or `null` for an empty window. */
  max: number | null;
}

/** A `tryAcquire` (or runner acquisition) that took its cost. */
export interface CapacityAcquireAcceptedEvent {
  atMs: number;
  requested: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/** A `tryAcquire` that changed nothing. */
export interface CapacityAcquireRejectedEvent {
  atMs: number;
  requested: Readonly<ResourceCost>;
  available: Readonly<ResourceCost>;
  reason: TryAcquireRejectReason;
}

/** Another name for {@link CapacityAcquireAcceptedEvent}. */
export type CapacityTryAcquireAcceptedEvent = CapacityAcquireAcceptedEvent;

/** Another name for {@link CapacityAcquireRejectedEvent}. */
export type CapacityTryAcquireRejectedEvent = CapacityAcquireRejectedEvent;

/** A `release` that returned capacity. */
export interface CapacityReleaseEvent {
  atMs: number;
  released: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/** A `reset` that refilled the budget. */
export interface CapacityResetEvent {
  atMs: number;
  limitsAfter: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/** An `increment` that added to the available budget. */
export interface CapacityIncrementEvent {
  atMs: number;
  incrementBy: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/** A `setLimits` call, also emitted once when a source is constructed. */
export interface CapacitySetLimitsEvent {
  atMs: number;
  limitsBefore: Readonly<ResourceCost>;
  limitsAfter: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/**
 * A `reconcile(estimated, actual)`: the difference between the two was given back (estimate too high) or
 * taken (estimate too low). An addition to the documented events, so in-flight figures stay right when
 * estimated costs are corrected.
 */
export interface CapacityReconcileEvent {
  atMs: number;
  estimated: Readonly<ResourceCost>;
  actual: Readonly<ResourceCost>;
  availableAfter: Readonly<ResourceCost>;
}

/** Point-in-time view of a capacity source's activity. */
export interface CapacityMetricsSnapshot {
  capturedAtMs: number;
  totals: {
    acquireAccepted: number;
    acquireRejected: number;
    release: number;
    reset: number;
    increment: number;
    setLimits: number;
  };
  /** Acquired minus released, per resource. */
  inFlightByResource: Record<string, number>;
  /** Amounts requested by `insufficient_capacity` rejections, per resource. */
  requestedRejectedByResource: Record<string, number>;
  /** Utilization per resource as last reported by an event, 0.0–1.0. */
  utilizationByResource: Record<string, number>;
  rates: {
    acquireAcceptedPerSec: RollingWindowStats;
    acquireRejectedPerSec: RollingWindowStats;
    releasePerSec: RollingWindowStats;
  };
}

/** Receives capacity events from a {@link ResourceCapacitySource} and summarises them. */
export interface ICapacityMetricsCollector {
  onTryAcquireAccepted(e: CapacityAcquireAcceptedEvent): void;
  onTryAcquireRejected(e: CapacityAcquireRejectedEvent): void;
  onRelease(e: CapacityReleaseEvent): void;
  onReset(e: CapacityResetEvent): void;
  onIncrement(e: CapacityIncrementEvent): void;
  onSetLimits(e: CapacitySetLimitsEvent): void;
  /** Optional: a `reconcile` corrected an estimated cost (collectors without it simply miss the correction). */
  onReconcile?(e: CapacityReconcileEvent): void;
  snapshot(nowMs?: number): CapacityMetricsSnapshot;
}

/** Monotonic counter. */
export interface ICounter {
  add(delta?: number): void;
  value(): number;
  reset(): void;
}

/** Counter that can go up and down. */
export interface IUpDown {
  add(delta: number): void;
  value(): number;
  reset(): void;
}

/** Observations kept for a sliding time window; old ones are evicted lazily on read. */
export interface IRollingWindow {
  observe(value: number, atMs?: number): void;
  stats(nowMs?: number): RollingWindowStats;
  reset(): void;
}

/** Rolling window of durations in milliseconds. */
export interface IDuration {
  record(ms: number): void;
  /** Starts a timer; calling the returned function records and returns the elapsed milliseconds. */
  start(): () => number;
  stats(nowMs?: number): RollingWindowStats;
  reset(): void;
}

/** Attributes attached to a metric sample, such as `{ pool: 'gpu-a' }`. */
export type MetricAttrs = Record<string, string | number | boolean>;

/**
 * A point-in-time set of metrics handed to a {@link MetricsSink}: the capacity figures of a collector, and room
 * for chain (pipeline) metrics, which allot does not produce itself.
 */
export interface MetricsSnapshot {
  /** When the snapshot was taken, in epoch milliseconds. */
  capturedAtMs: number;
  /** A capacity collector's figures, such as `DefaultCapacityMetricsCollector.snapshot()`. */
  capacity?: CapacityMetricsSnapshot;
  /** Figures of a processing chain, in whatever shape its producer uses. */
  chain?: Readonly<Record<string, unknown>>;
}

/** Plain summary of the counters, gauges and durations a sink has recorded (for sinks that keep them). */
export interface RecordedMetrics {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  durations: Record<string, RollingWindowStats>;
}

/**
 * Destination for metrics (an exporter to Prometheus, StatsD, logs…). Only `counter`, `gauge` and `duration`
 * are required.
 */
export interface MetricsSink {
  /** Adds `delta` (default 1) to the counter `name`. */
  counter(name: string, delta?: number, attrs?: MetricAttrs): void;
  /** Sets the gauge `name` to `value`. */
  gauge(name: string, value: number, attrs?: MetricAttrs): void;
  /** Records one duration of `ms` milliseconds under `name`. */
  duration(name: string, ms: number, attrs?: MetricAttrs): void;
  /** Receives a whole snapshot to export at once. */
  snapshot?(snapshot: MetricsSnapshot): void;
  /** Pushes out anything buffered. */
  flush?(): void | Promise<void>;
}
