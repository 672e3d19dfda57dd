import { describe, expect, it } from 'vitest';
import { BufferMode } from '../../src/pull/buffer-mode.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { collect } from '../support/async.js';

it('drains a large FIFO buffer in order without losing items, and `buffer` shows what is left', async () => {
  const items = Array.from({ length: 5000 }, (_, i) => i);
  const source = new SourceBufferObj(items);
  for (let i = 0; i < 3000; i++) expect((await source.next()).value).toBe(i);
  expect(source.peek()).toBe(3000);
  expect(source.buffer.length).toBe(2000);
  expect(source.buffer[0]).toBe(3000);
  source.buffer.push(5000);
  let next = 3000;
  for await (const value of source) expect(value).toBe(next++);
  expect(next).toBe(5001);
});

describe('SourceBufferObj', () => {
  it('SourceBufferObj([10,20,30], true) yields 10, 20, 30 and ends; LIFO yields 3 first; peek() does not consume', async () => {
    const fifo = new SourceBufferObj([10, 20, 30], true);
    expect(fifo.peek()).toBe(10);
    expect(fifo.peek()).toBe(10);
    expect(await collect(fifo)).toEqual([10, 20, 30]);
    expect(fifo.done).toBe(true);

    const lifo = new SourceBufferObj([1, 2, 3], false, BufferMode.LIFO);
    expect(lifo.peek()).toBe(3);
    expect(await lifo.next()).toEqual({ done: false, value: 3 });
    expect(lifo.peek()).toBe(2);
    expect(await collect(lifo)).toEqual([2, 1]);
  });

  it('ends without one_shot too, and stays ended', async () => {
    const source = new SourceBufferObj([1]);
    expect(await collect(source)).toEqual([1]);
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
    // Delivered items are trimmed off the same array, in place, by the time `buffer` is read.
    expect(source.buffer).toBe(shared);
    expect(shared).toEqual(['b']);
  });
});
