import { AllotError, show } from './allot-error.js';

/** A scheduled task was cancelled (by its handle, by key, by its signal, by `clear` or by `close`). */
export class TaskCancelledError extends AllotError {
  constructor(
    readonly taskKey: string,
    /** What the canceller gave as the reason (also the `cause`). */
    readonly reason?: unknown,
  ) {
    super(
      'ALLOT_TASK_CANCELLED',
      `Task ${show(taskKey)} was cancelled${reason === undefined ? '' : `: ${describe(reason)}`}.`,
      { cause: reason },
    );
  }
}

/** An attempt of a scheduled task ran longer than its `timeoutMs`. */
export class TaskTimeoutError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly timeoutMs: number,
    /** The attempt that timed out (1-based). */
    readonly attempt: number,
  ) {
    super(
      'ALLOT_TASK_TIMEOUT',
      `Task ${show(taskKey)} timed out after ${timeoutMs} ms (attempt ${attempt}).`,
    );
  }
}

/** A scheduled task did not start within its `queueTimeoutMs` of being added. */
export class QueueTimeoutError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly queueTimeoutMs: number,
  ) {
    super(
      'ALLOT_QUEUE_TIMEOUT',
      `Task ${show(taskKey)} did not start within ${queueTimeoutMs} ms of being added (its queueTimeoutMs).`,
    );
  }
}

/**
 * A task was skipped because a dependency did not complete. `dependency` is the direct dependency that did not
 * complete; `cause` is that task's own error, so following `cause` leads to the root failure.
 */
export class DependencyFailedError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly dependency: string,
    /** How the dependency ended. */
    readonly dependencyState: string,
    cause: unknown,
  ) {
    super(
      'ALLOT_DEPENDENCY_FAILED',
      `Task ${show(taskKey)} was skipped: its dependency ${show(dependency)} ended ${dependencyState}.`,
      { cause },
    );
  }
}

/** Work was added to a scheduler after `close()`. */
export class SchedulerClosedError extends AllotError {
  constructor(readonly taskKey: string | undefined) {
    super(
      'ALLOT_SCHEDULER_CLOSED',
      `The scheduler is closed${taskKey === undefined ? '' : `: task ${show(taskKey)} was not added`}.`,
    );
  }
}

function describe(reason: unknown): string {
  return (reason instanceof Error ? reason.message : show(reason)).replace(/\.$/, '');
}

/**
 * A running task tried to give back more than it holds: more of a resource than it has left, a resource it does
 * not hold, or a device id it does not hold (or already gave back). Nothing was released.
 */
export class OverReleaseError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly resource: string,
    /** What it tried to give back: an amount or device ids. */
    readonly requested: number | readonly string[],
    /** What it holds of that resource: an amount or device ids. */
    readonly held: number | readonly string[],
  ) {
    super(
      'ALLOT_OVER_RELEASE',
      `Task ${show(taskKey)} cannot release ${show(requested)} of ${show(resource)}: it holds ${show(held)}.`,
    );
  }
}
