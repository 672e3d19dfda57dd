/** A stream the CLI writes to, as it needs it: text out, and the terminal's shape when it is one. */
export interface OutStream {
  /** Writes `chunk`; `callback` is called once it was handed on (or dropped, after the reader went away). */
  write(chunk: string, callback?: (error?: Error | null) => void): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  rows?: number | undefined;
}

/**
 * `stream` made safe to write to after its reader has gone (`allot run … | head`): the first write error is
 * swallowed and later writes do nothing, so the run goes on and its jobs finish rather than the process dying
 * with every job killed. `closed` says whether that happened.
 */
export function safeStream(stream: NodeJS.WritableStream & Omit<OutStream, 'write'>): OutStream & {
  readonly closed: boolean;
} {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  return {
    write(chunk: string, callback?: (error?: Error | null) => void) {
      if (closed) {
        callback?.();
        return false;
      }
      return callback === undefined ? stream.write(chunk) : stream.write(chunk, callback);
    },
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
    get closed() {
      return closed;
    },
  };
}
