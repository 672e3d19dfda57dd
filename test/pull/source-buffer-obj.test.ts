import { describe, expect, it } from 'vitest';
import { BufferMode } from '../../src/pull/buffer-mode.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';

async function drain<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('SourceBufferObj', () => {
  it('claim 87: SourceBufferObj([10,20,30], true) yields 10, 20, 30 and ends; LIFO yields 3 first; peek() does not consume', async () => {
    const fifo = new SourceBufferObj([10, 20, 30], true);
    expect(fifo.peek()).toBe(10);
    expect(fifo.peek()).toBe(10);
    expect(await drain(fifo)).toEqual([10, 20, 30]);
    expect(fifo.done).toBe(true);

    const lifo = new SourceBufferObj([1, 2, 3], false, BufferMode.LIFO);
    expect(lifo.peek()).toBe(3);
    expect(await lifo.next()).toEqual({ done: false, value: 3 });
    expect(lifo.peek()).toBe(2);
    expect(await drain(lifo)).toEqual([2, 1]);
  });

  it('ends without one_shot too (D3), and stays ended', async () => {
    const source = new SourceBufferObj([1]);
    expect(await drain(source)).toEqual([1]);
    expect(source.done).toBe(true);
    source.buffer.push(2);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('delivers items added to the public buffer before it finds the buffer empty', async () => {
    const source = new SourceBufferObj<number>([1]);
    expect(await source.next()).toEqual({ done: false, value: 1 });
    source.buffer.push(2);
    expect(source.peek()).toBe(2);
    expect(await source.next()).toEqual({ done: false, value: 2 });
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('defaults to an empty FIFO buffer and uses the array it is given', async () => {
    const empty = new SourceBufferObj<string>();
    expect(empty.peek()).toBeUndefined();
    expect(await empty.next()).toEqual({ done: true, value: undefined });
    const shared = ['a', 'b'];
    const source = new SourceBufferObj(shared);
    await source.next();
    expect(shared).toEqual(['b']);
  });
});
