export { AllotError, AllotRangeError } from './allot-error.js';
export {
  type AmountsProblem,
  CostExceedsLimitError,
  InsufficientCapacityError,
  InvalidCostError,
  InvalidLimitError,
  UnknownResourceError,
} from './capacity-errors.js';
export type { AllotErrorCode, AllotErrorLike } from './codes.js';
export { isAllotError } from './codes.js';
export {
  CycleError,
  DuplicateKeyError,
  InvalidStateError,
  MissingDependencyError,
  UnknownKeyError,
} from './graph-errors.js';
export { InvalidOptionError } from './option-errors.js';
export type { TaskAbortReason } from './runner-errors.js';
export {
  CallbackError,
  InvalidTaskError,
  NotSupportedError,
  RunnerBusyError,
  TaskAbortedError,
} from './runner-errors.js';
export {
  DependencyFailedError,
  OverReleaseError,
  QueueTimeoutError,
  SchedulerClosedError,
  TaskCancelledError,
  TaskTimeoutError,
} from './scheduler-errors.js';
export { BackendUnavailableError, LeaseLostError, UnknownNodeError } from './shared-capacity-errors.js';
export { MissingTaskError, SinkClosedError, SourceClosedError } from './source-errors.js';
