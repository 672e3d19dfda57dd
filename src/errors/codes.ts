/**
 * Stable machine-readable codes carried by every error allot throws or reports.
 * Branch on `error.code` rather than on message text.
 */
export type AllotErrorCode =
  | 'ALLOT_INVALID_LIMIT'
  | 'ALLOT_INVALID_COST'
  | 'ALLOT_INVALID_OPTION'
  | 'ALLOT_INSUFFICIENT_CAPACITY'
  | 'ALLOT_UNKNOWN_RESOURCE'
  | 'ALLOT_COST_EXCEEDS_LIMIT'
  | 'ALLOT_INVALID_TASK'
  | 'ALLOT_TASK_ABORTED'
  | 'ALLOT_CALLBACK_FAILED'
  | 'ALLOT_RUNNER_BUSY'
  | 'ALLOT_SOURCE_CLOSED'
  | 'ALLOT_SINK_CLOSED'
  | 'ALLOT_MISSING_TASK'
  | 'ALLOT_DUPLICATE_KEY'
  | 'ALLOT_MISSING_DEPENDENCY'
  | 'ALLOT_CYCLE'
  | 'ALLOT_INVALID_STATE'
  | 'ALLOT_UNKNOWN_KEY'
  | 'ALLOT_NOT_SUPPORTED'
  | 'ALLOT_TASK_CANCELLED'
  | 'ALLOT_TASK_TIMEOUT'
  | 'ALLOT_QUEUE_TIMEOUT'
  | 'ALLOT_DEPENDENCY_FAILED'
  | 'ALLOT_SCHEDULER_CLOSED'
  | 'ALLOT_OVER_RELEASE'
  | 'ALLOT_LEASE_LOST'
  | 'ALLOT_BACKEND_UNAVAILABLE'
  | 'ALLOT_UNKNOWN_NODE';

/** Marker shared by every allot error class, whatever built-in error it extends. */
export interface AllotErrorLike extends Error {
  readonly code: AllotErrorCode;
}

/** True when `error` was created by allot (it carries one of the {@link AllotErrorCode} codes). */
export function isAllotError(error: unknown): error is AllotErrorLike {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ALLOT_');
}
