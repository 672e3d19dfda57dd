import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SinkClosedError } from '../../src/errors/index.js';
import { PullAwaitReset } from '../../src/pull/pull-await-reset.js';
import { PushObj } from '../../src/pull/push-obj.js';
import { PushPostSignalObj } from '../../src/pull/push-post-signal-obj.js';
import { PushPullBufferObj } from '../../src/pull/push-pull-buffer-obj.js';
import { SinkCollectObj } from '../../src/pull/sink-collect-obj.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { WaitObject } from '../../src/pull/wait-object.js';
import { ioTurns, track } from '../support/async.js';

describe('PushPullBufferObj', () => {
  it('pushes come out in FIFO order; the pull side blocks when empty; after sink.return() the source drains and ends', async () => {
    const bridge = new PushPullBufferObj<number>();
    const blocked = track(bridge.source.next());
    await ioTurns(1);
    expect(blocked.settled).toBe(false);

    await bridge.sink.next(1);
    expect(await blocked.promise).toEqual({ done: false, value: 1 });

    await bridge.sink.next(2);
    await bridge.sink.next(3);
    expect(bridge.peek()).toBe(2);
    expect(bridge.source.peek()).toBe(2);
    expect(await bridge.source.next()).toEqual({ done: false, value: 2 });

    await bridge.sink.next(4);
    await bridge.sink.return();
    expect(bridge.source.done).toBe(false);
    expect(await bridge.source.next()).toEqual({ done: false, value: 3 });
    expect(await bridge.source.next()).toEqual({ done: false, value: 4 });
    expect(await bridge.source.next()).toEqual({ done: true, value: undefined });
    expect(bridge.source.done).toBe(true);
  });

  it('delivers the initial buffer first, then waits for pushes', async () => {
    const bridge = new PushPullBufferObj(['a', 'b']);
    expect(await bridge.source.next()).toEqual({ done: false, value: 'a' });
    expect(await bridge.source.next()).toEqual({ done: false, value: 'b' });
    const pending = track(bridge.source.next());
    await ioTurns(1);
    expect(pending.settled).toBe(false);
    await bridge.sink.return();
    expect(await pending.promise).toEqual({ done: true, value: undefined });
  });

  it('a pull blocked on an empty buffer ends when the sink returns', async () => {
    const bridge = new PushPullBufferObj<number>();
    const items: number[] = [];
    const loop = (async () => {
      for await (const item of bridge.source) items.push(item);
    })();
    void bridge.sink.next(1); // unawaited pushes keep their order
    void bridge.sink.next(2);
    await ioTurns(1);
    await bridge.sink.return();
    await loop;
    expect(items).toEqual([1, 2]);
  });

  it('sink.throw(error): the source drains what was pushed, then rejects with the error', async () => {
    const bridge = new PushPullBufferObj<number>();
    await bridge.sink.next(1);
    await bridge.sink.throw(new Error('producer failed'));
    expect(await bridge.source.next()).toEqual({ done: false, value: 1 });
    await expect(bridge.source.next()).rejects.toThrow('producer failed');
    expect(bridge.source.done).toBe(true);
  });

  it('pushing after sink.return() rejects with SinkClosedError', async () => {
    const bridge = new PushPullBufferObj<number>();
    await bridge.sink.return();
    await expect(bridge.sink.next(1)).rejects.toBeInstanceOf(SinkClosedError);
    await expect(bridge.sink.next(1)).rejects.toMatchObject({ code: 'ALLOT_SINK_CLOSED' });
  });

  it('source.return() wakes a pull blocked on an empty buffer', async () => {
    const bridge = new PushPullBufferObj<number>();
    const blocked = bridge.source.next();
    await ioTurns(1);
    const returned = bridge.source.return();
    expect(await blocked).toEqual({ done: true, value: undefined });
    expect(await returned).toEqual({ done: true, value: undefined });
    expect(bridge.source.done).toBe(true);
  });

  it('property: any interleaving of pushes, pulls and a final sink.return() yields exactly the pushed items in FIFO order, then ends', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), value: fc.integer(), awaitIt: fc.boolean() }),
      fc.record({ kind: fc.constant('pull' as const), flushAfter: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const bridge = new PushPullBufferObj<number>();
        const pushed: number[] = [];
        const pulls: Array<Promise<IteratorResult<number, number | undefined>>> = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            pushed.push(o.value);
            const p = bridge.sink.next(o.value);
            if (o.awaitIt) await p;
          } else {
            pulls.push(bridge.source.next());
            if (o.flushAfter) await ioTurns(1);
          }
        }
        await bridge.sink.return();
        const results = await Promise.all(pulls);
        while (true) {
          const r = await bridge.source.next();
          results.push(r);
          if (r.done === true) break;
        }
        const firstDone = results.findIndex((r) => r.done === true);
        expect(results.slice(0, firstDone).map((r) => r.value)).toEqual(pushed);
        expect(results.slice(firstDone).every((r) => r.done === true)).toBe(true);
        expect(bridge.source.done).toBe(true);
        expect(bridge.buffer).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('push pieces', () => {
  it('PushObj: return() and throw() mark it done once; later pushes reject', async () => {
    const sink = new PushObj<number>();
    expect(sink.done).toBe(false);
    expect(await sink.next(1)).toEqual({ done: false, value: undefined });
    expect(await sink.throw(new Error('x'))).toEqual({ done: true, value: undefined });
    expect(sink.done).toBe(true);
    expect(await sink.return()).toEqual({ done: true, value: undefined });
    await expect(sink.next(2)).rejects.toBeInstanceOf(SinkClosedError);
  });

  it('SinkCollectObj appends to its buffer in push order', async () => {
    const sink = new SinkCollectObj<string>();
    void sink.next('a');
    await sink.next('b');
    expect(sink.buffer).toEqual(['a', 'b']);
  });

  it('PushPostSignalObj resolves the wait object with !done after each push and on return', async () => {
    const wait = new WaitObject<boolean>('signal');
    const inner = new SinkCollectObj<number>();
    const sink = new PushPostSignalObj(inner, wait);
    await sink.next(1);
    expect(inner.buffer).toEqual([1]);
    expect(await wait.wait()).toEqual({ done: false, value: true });
    await sink.return();
    expect(inner.done).toBe(true);
    expect(await wait.wait()).toEqual({ done: false, value: false });
  });

  it('PushPostSignalObj: a return() racing an unawaited push leaves the signal at false', async () => {
    const wait = new WaitObject<boolean>('race');
    const sink = new PushPostSignalObj(new SinkCollectObj<number>(), wait);
    const push = sink.next(1);
    const ret = sink.return();
    await Promise.all([push, ret]);
    expect(await wait.wait()).toEqual({ done: false, value: false });
  });

  it('PullAwaitReset peek delegates to its source and it ends when the source ends', async () => {
    const wait = new WaitObject<boolean>('reset');
    const reader = new PullAwaitReset(new SourceBufferObj([7, 8]), wait);
    expect(reader.peek()).toBe(7);
    expect(await reader.next()).toEqual({ done: false, value: 7 });
    expect(reader.peek()).toBe(8);
    wait.resolve(false);
    expect(await reader.next()).toEqual({ done: false, value: 8 });
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });
});
