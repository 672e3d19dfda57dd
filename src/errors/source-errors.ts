import { AllotError, show } from './allot-error.js';

/** `enqueue` was called after `closeSource()`. */
export class SourceClosedError extends AllotError {
  constructor(readonly sourceName: string) {
    super('ALLOT_SOURCE_CLOSED', `${sourceName} is closed; no more items can be enqueued. Enqueue before closeSource().`);
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
