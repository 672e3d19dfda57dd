import { AllotError, show } from './allot-error.js';

/** The source produced something that is not a `ScheduledTask` (no `runner` function). */
export class InvalidTaskError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly detail: string,
  ) {
    super('ALLOT_INVALID_TASK', `Task ${show(taskKey)} is not a valid ScheduledTask: ${detail}.`);
  }
}

/** Why a task was aborted: its run ended (the consumer left the loop, or an error stopped it) before it finished. */
export type TaskAbortReason = 'run-ended';

/** A task was stopped before it finished because its run ended early. */
export class TaskAbortedError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly taskId: number,
    readonly reason: TaskAbortReason,
  ) {
    super(
      'ALLOT_TASK_ABORTED',
      `Task ${show(taskKey)} (taskId ${taskId}) was aborted: the run ended before it could finish.`,
    );
  }
}

/** A task asked for something its runner cannot do (for example `reconcile` under the single-counter runner). */
export class NotSupportedError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly operation: string,
    readonly detail: string,
  ) {
    super('ALLOT_NOT_SUPPORTED', `Task ${show(taskKey)}: ${operation} is not supported here: ${detail}.`);
  }
}

/**
 * An `onComplete` or `onError` callback threw. `thrown` is what the callback threw.
 * For `onComplete` the `cause` is that exception; for `onError` it is the task's own error, so neither is lost.
 */
export class CallbackError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly callback: 'onComplete' | 'onError',
    readonly thrown: unknown,
    /** For `onError`: the task's own error that was being reported. */
    readonly taskError?: unknown,
  ) {
    super(
      'ALLOT_CALLBACK_FAILED',
      `The ${callback} callback of task ${show(taskKey)} threw: ${(
        thrown instanceof Error ? thrown.message : show(thrown)
      ).replace(/\.$/, '')}. Callbacks should not throw; catch inside them.`,
      { cause: callback === 'onError' ? taskError : thrown },
    );
  }
}

/** `runTasks()` was called while a previous run of the same runner is still active. */
export class RunnerBusyError extends AllotError {
  constructor(readonly runnerName: string) {
    super(
      'ALLOT_RUNNER_BUSY',
      `Runner ${show(runnerName)} is already running. Finish or break out of the current runTasks() loop first, ` +
        'or create a second runner.',
    );
  }
}
