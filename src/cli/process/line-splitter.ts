import { StringDecoder } from 'node:string_decoder';

const LF = 10;
const CR = 13;

/** Longest line kept whole; longer runs without a line end are cut, so output with no newlines cannot grow memory. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Turns a byte stream into text lines. `\n`, `\r\n` and a lone `\r` each end a line (progress meters
 * such as ffmpeg's redraw with `\r`). Empty lines are delivered too. UTF-8 characters split across chunks
 * are decoded whole.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #emit: (line: string) => void;
  readonly #maxLength: number;
  #partial = '';
  /** The last character seen was a `\r`: a `\n` right after it belongs to the same line end. */
  #afterCR = false;

  /**
   * @param emit - called with each line, without its line end
   * @param maxLength - a line longer than this is delivered in pieces of this length
   */
  constructor(emit: (line: string) => void, maxLength: number = MAX_LINE_LENGTH) {
    this.#emit = emit;
    this.#maxLength = maxLength;
  }

  /** Feeds a chunk of output; delivers the lines it completes. */
  push(chunk: Buffer): void {
    this.#scan(this.#decoder.write(chunk));
  }

  /** Ends the stream: delivers the last line even without a line end. */
  end(): void {
    this.#scan(this.#decoder.end());
    if (this.#partial !== '') {
      const line = this.#partial;
      this.#partial = '';
      this.#emit(line);
    }
  }

  #scan(text: string): void {
    if (text === '') return;
    let start = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const line = this.#partial + text.slice(start, i);
      this.#partial = '';
      if (c === CR) {
        if (i + 1 === text.length) this.#afterCR = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      this.#emit(line);
    }
    this.#partial += text.slice(start);
    while (this.#partial.length >= this.#maxLength) {
      const line = this.#partial.slice(0, this.#maxLength);
      this.#partial = this.#partial.slice(this.#maxLength);
      this.#emit(line);
    }
  }
}
