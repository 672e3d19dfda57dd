import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';

const NEWLINE = 0x0a;

/**
 * One append stream to a job's log file, shared by the child's stdout and stderr so their bytes land in
 * arrival order. A write error is kept (see {@link LogWriter.error}) rather than thrown: the child must go on
 * being drained and reaped whatever happens to its log.
 */
export class LogWriter {
  readonly #stream: WriteStream;
  #error: Error | undefined;
  #atLineStart = true;
  #drainWaiters: (() => void)[] = [];

  private constructor(stream: WriteStream) {
    this.#stream = stream;
    stream.on('error', (error) => {
      this.#error ??= error;
      this.#releaseDrainWaiters();
    });
    stream.on('drain', () => this.#releaseDrainWaiters());
  }

  /** Opens `file` for appending, creating its directories. Rejects when it cannot be opened. */
  static async open(file: string): Promise<LogWriter> {
    await mkdir(dirname(file), { recursive: true });
    const stream = createWriteStream(file, { flags: 'a' });
    await once(stream, 'open'); // rejects on the stream's 'error'
    return new LogWriter(stream);
  }

  /** The first write error, if any: from then on writes are dropped. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Appends `data`. Returns false when the caller should pause its source until {@link whenDrained}, so a
   * fast child is slowed to the disk's pace instead of filling memory.
   */
  write(data: Buffer | string): boolean {
    if (this.#error !== undefined || data.length === 0) return true;
    this.#atLineStart = typeof data === 'string' ? data.endsWith('\n') : data[data.length - 1] === NEWLINE;
    return this.#stream.write(data);
  }

  /** Appends a line of our own (prefixed `allot: `), on a line of its own even after a partial output line. */
  note(text: string): void {
    this.write(`${this.#atLineStart ? '' : '\n'}allot: ${text}\n`);
  }

  /** Calls `resume` once the buffered data has been flushed (or writing failed). */
  whenDrained(resume: () => void): void {
    if (this.#error !== undefined || !this.#stream.writableNeedDrain) {
      queueMicrotask(resume);
      return;
    }
    this.#drainWaiters.push(resume);
  }

  /** Flushes and closes the file. Resolves with the first write error, if any; never rejects. */
  async close(): Promise<Error | undefined> {
    this.#stream.end();
    try {
      await finished(this.#stream);
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(String(error));
    }
    return this.#error;
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resume of waiters) resume();
  }
}
