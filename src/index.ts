/**
 * allot: schedule async work under multi-resource budgets.
 *
 * Layers, bottom up: errors and the pull foundation; capacity and metrics; dependency graphs; task sources;
 * the runner; the legacy runner and the balancer. Every public name is listed here explicitly (no export-star),
 * so the package surface is exactly this file.
 * @packageDocumentation
 */

// Scheduler: the front door
export type { TenantOptions } from './admission/fair-shares.js';
// Balancer
export { HierarchicalBalancer } from './balancer/hierarchical-balancer.js';
export type { BalancerChildConfig, HierarchicalBalancerOptions } from './balancer/types.js';
// Capacity
export { type QuotaCapacityOptions, QuotaCapacitySource } from './capacity/quota-capacity-source.js';
export { ResourceCapacitySource } from './capacity/resource-capacity-source.js';
export type { CapacityShortfall, TryAcquireResult } from './capacity/types.js';
// Errors
export {
  AllotError,
  type AllotErrorCode,
  type AllotErrorLike,
  AllotRangeError,
  type AmountsProblem,
  BackendUnavailableError,
  CallbackError,
  CostExceedsLimitError,
  CycleError,
  DependencyFailedError,
  DuplicateKeyError,
  InsufficientCapacityError,
  InvalidCostError,
  InvalidLimitError,
  InvalidOptionError,
  InvalidStateError,
  InvalidTaskError,
  isAllotError,
  LeaseLostError,
  MissingDependencyError,
  MissingTaskError,
  NotSupportedError,
  OverReleaseError,
  QueueTimeoutError,
  RunnerBusyError,
  SchedulerClosedError,
  SinkClosedError,
  SourceClosedError,
  TaskAbortedError,
  type TaskAbortReason,
  TaskCancelledError,
  TaskTimeoutError,
  UnknownKeyError,
  UnknownNodeError,
  UnknownResourceError,
} from './errors/index.js';
// Shared types
export type { ResourceCost, TryAcquireRejectReason } from './foundation/resource-cost.js';
// Dependency graph
export { DependencyGraph } from './graph/dependency-graph.js';
export type { GraphObserver } from './graph/graph-observer.js';
export type { NodeState } from './graph/node-state.js';
export { type CapacityObj, SinkCapacityObj, SourceCapacityObj } from './legacy/capacity-objs.js';
// Legacy single-counter API
export { CapacitySource } from './legacy/capacity-source.js';
export { HierarchicalTaskPoolRunner } from './legacy/hierarchical-task-pool-runner.js';
export type { LegacyTaskRunner } from './legacy/legacy-task-source.js';
// Metrics
export { Counter } from './metrics/counter.js';
export { DefaultCapacityMetricsCollector } from './metrics/default-capacity-metrics-collector.js';
export { Duration } from './metrics/duration.js';
export { RollingWindow } from './metrics/rolling-window.js';
export type {
  CapacityAcquireAcceptedEvent,
  CapacityAcquireRejectedEvent,
  CapacityIncrementEvent,
  CapacityMetricsSnapshot,
  CapacityReconcileEvent,
  CapacityReleaseEvent,
  CapacityResetEvent,
  CapacitySetLimitsEvent,
  CapacityTryAcquireAcceptedEvent,
  CapacityTryAcquireRejectedEvent,
  ICapacityMetricsCollector,
  ICounter,
  IDuration,
  IRollingWindow,
  IUpDown,
  MetricAttrs,
  MetricsSink,
  MetricsSnapshot,
  RecordedMetrics,
  RollingWindowStats,
} from './metrics/types.js';
export { UpDown } from './metrics/up-down.js';
// Pull foundation
export { Broadcast } from './pull/broadcast.js';
export { BufferMode } from './pull/buffer-mode.js';
export type { Peekable } from './pull/peekable.js';
export { PullAwaitReset } from './pull/pull-await-reset.js';
export { PullObj } from './pull/pull-obj.js';
export { PushObj } from './pull/push-obj.js';
export { PushPostSignalObj } from './pull/push-post-signal-obj.js';
export { PushPullBufferObj } from './pull/push-pull-buffer-obj.js';
export { PushPullObj } from './pull/push-pull-obj.js';
export { SinkCollectObj } from './pull/sink-collect-obj.js';
export { SourceBufferObj } from './pull/source-buffer-obj.js';
export { SourceObj } from './pull/source-obj.js';
export { WaitObject } from './pull/wait-object.js';
// Runner
export type { CapacityGate, ExternalCapacity } from './runner/capacity-gate.js';
export { isExternalCapacity } from './runner/capacity-gate.js';
export { ScheduledTaskPoolRunner } from './runner/scheduled-task-pool-runner.js';
export {
  DEFAULT_TASK_COST,
  type ScheduledTask,
  type STREAMING_TASK_RUNNER,
  type TASK_RUNNER,
  type TaskContext,
  type TaskProgressEnvelope,
  type TaskRunGenerator,
} from './runner/types.js';
export type { SchedulerListener } from './scheduler/events.js';
export { TaskHandle } from './scheduler/handle.js';
export { Scheduler } from './scheduler/scheduler.js';
export {
  type SimulatedRun,
  type SimulatedTask,
  type SimulateOptions,
  type SimulationResult,
  simulate,
} from './scheduler/simulate.js';
export type {
  AddItem,
  AddOptions,
  BackoffOptions,
  ExplainReason,
  Explanation,
  FailedState,
  ReleasePart,
  RetryOptions,
  SchedulerEvents,
  SchedulerOptions,
  SchedulerStats,
  SchedulerTaskContext,
  SchedulerTaskFn,
  TaskState,
} from './scheduler/types.js';
// Task sources
export { DependencySourceObj } from './sources/dependency-source-obj.js';
export {
  type PriorityDependencyOpts,
  PriorityDependencySourceObj,
} from './sources/priority-dependency-source-obj.js';
export { PrioritySourceObj, type PrioritySourceOpts } from './sources/priority-source-obj.js';
