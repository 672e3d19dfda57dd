import { AllotError, show } from './allot-error.js';

/**
 * A running task lost its hold on shared capacity: its lease could not be renewed before it expired (the store
 * was unreachable), so the capacity may be granted to someone else. The task's signal fires with this error
 * before that can happen; the task should stop using what it held.
 */
export class LeaseLostError extends AllotError {
  constructor(
    /** The task whose lease was lost, when known. */
    readonly taskKey: string | undefined,
    /** The lease's id in the store. */
    readonly leaseId: string,
    cause?: unknown,
  ) {
    super(
      'ALLOT_LEASE_LOST',
      `${taskKey === undefined ? 'A task' : `Task ${show(taskKey)}`} lost its capacity lease ${show(leaseId)}: ` +
        'it could not be renewed before it expired.',
      { cause },
    );
  }
}

/** The store that holds a shared budget (Redis) did not answer in time. Nothing was taken. */
export class BackendUnavailableError extends AllotError {
  constructor(
    /** What was being done, e.g. `acquire for task "encode"`. */
    readonly operation: string,
    /** How long it waited, in milliseconds. */
    readonly waitedMs: number,
    cause?: unknown,
  ) {
    super(
      'ALLOT_BACKEND_UNAVAILABLE',
      `The shared capacity store did not answer (${operation}) within ${waitedMs} ms` +
        `${cause instanceof Error ? `: ${cause.message}` : ''}.`,
      { cause },
    );
  }
}

/** A node of a shared budget tree was used before any `define` created it. */
export class UnknownNodeError extends AllotError {
  constructor(
    readonly node: string,
    /** The namespace (budget tree) that was searched. */
    readonly namespace: string,
  ) {
    super(
      'ALLOT_UNKNOWN_NODE',
      `Node ${show(node)} is not defined in the budget tree ${show(namespace)}; call define() first.`,
    );
  }
}
