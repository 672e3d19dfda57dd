import { PullObj } from './pull-obj.js';

/**
 * Marker base for sources: pull objects at the start of a pipeline, such as task sources for the runner.
 * It adds nothing to {@link PullObj}; like every pull object, a source ends for good when `pull_impl`
 * returns: `done` is true and every later `next()` resolves `{ done: true }`.
 *
 * @typeParam T - the item type
 */
export class SourceObj<T> extends PullObj<T> {}
