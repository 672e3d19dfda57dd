/**
 * Drain order of a {@link SourceBufferObj}: `FIFO` takes from the front (as `shift`), `LIFO` from the back
 * (as `pop`). A TypeScript enum, as documented: `BufferMode.FIFO === 0`, `BufferMode[1] === 'LIFO'`.
 */
export enum BufferMode {
  /** First in, first out: items come out in buffer order. */
  FIFO = 0,
  /** Last in, first out: the last item of the buffer comes out first. */
  LIFO = 1,
}
