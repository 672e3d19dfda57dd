/**
 * Diagnostic only: `SourceBufferObj` with its `Array.prototype.shift` replaced by a moving head index.
 * `shift` on an array of more than ~16k elements copies the whole array in V8, so draining n tasks costs O(n²).
 * This subclass keeps every other part of the source (PullObj, async generator) identical, so the gap between
 * `allot` and `allot-idxsrc` is exactly what that one `shift` costs.
 */
import { SourceBufferObj } from '../../src/index.js';

export class IndexedBufferSource<T> extends SourceBufferObj<T> {
  #head = 0;

  override peek(): T | undefined {
    return this.buffer[this.#head];
  }

  protected override async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    while (this.#head < this.buffer.length) {
      const item = this.buffer[this.#head] as T;
      this.buffer[this.#head] = undefined as T; // let the task be collected once pulled
      this.#head++;
      yield item;
    }
    return undefined;
  }
}
