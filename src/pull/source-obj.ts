import { PullObj } from './pull-obj.js';

/**
 * Marker base for sources: pull objects at the start of a pipeline, such as task sources for the runner.
 * It adds nothing to {@link PullObj}; like every pull object, a source ends when `pull_impl` returns (D3).
 *
 * @typeParam T - the item type
 */
export class SourceObj<T> extends PullObj<T> {}
