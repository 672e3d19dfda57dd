import { AllotError, show } from './allot-error.js';

/** `enqueue` was called after `closeSource()`. */
export class SourceClosedError extends AllotError {
  constructor(readonly sourceName: string) {
    super(
      'ALLOT_SOURCE_CLOSED',
      `${sourceName} is closed; no more items can be enqueued. Enqueue before closeSource().`,
    );
  }
}

/** A ready graph key has no task in the source's task map. */
export class MissingTaskError extends AllotError {
  constructor(readonly key: unknown) {
    super(
      'ALLOT_MISSING_TASK',
      `Key ${show(key)} is ready in the dependency graph but has no task in the task map. ` +
        'Add it to the map before it becomes ready.',
    );
  }
}

/** An item was pushed into a push object (such as `PushPullBufferObj.sink`) after its `return()` or `throw()`. */
export class SinkClosedError extends AllotError {
  constructor(readonly sinkName: string) {
    super(
      'ALLOT_SINK_CLOSED',
      `${sinkName} is closed; no more items can be pushed. Push before calling return() or throw() on it.`,
    );
  }
}
