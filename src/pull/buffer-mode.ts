/** Drain order of a {@link SourceBufferObj}: `FIFO` takes from the front (`shift`), `LIFO` from the back (`pop`). */
export const BufferMode = {
  /** First in, first out: items come out in buffer order. */
  FIFO: 'FIFO',
  /** Last in, first out: the last item of the buffer comes out first. */
  LIFO: 'LIFO',
} as const;

/** One of the {@link BufferMode} values. */
export type BufferMode = (typeof BufferMode)[keyof typeof BufferMode];
