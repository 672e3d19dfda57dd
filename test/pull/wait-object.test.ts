import { describe, expect, it } from 'vitest';
import { WaitObject } from '../../src/pull/wait-object.js';
import { ioTurns, track } from '../support/async.js';

describe('WaitObject', () => {
  it('resolve(v) with nobody waiting stores v, the next wait() returns it at once (last value wins); reject is sticky; stop ends iteration', async () => {
    const wait = new WaitObject<number>('stored');
    wait.resolve(1);
    wait.resolve(2);
    const first = track(wait.wait());
    await Promise.resolve();
    expect(first.settled).toBe(true);
    expect(await first.promise).toEqual({ done: false, value: 2 });
    // The stored value was consumed: the next wait blocks.
    const second = track(wait.wait());
    await ioTurns(1);
    expect(second.settled).toBe(false);
    wait.resolve(3);
    expect(await second.promise).toEqual({ done: false, value: 3 });

    const failing = new WaitObject<boolean>('sticky');
    failing.reject(new Error('broken'));
    await expect(failing.wait()).rejects.toThrow('broken');
    failing.resolve(true);
    await expect(failing.wait()).rejects.toThrow('broken');

    const stopping = new WaitObject<boolean>('stop');
    const seen: boolean[] = [];
    const loop = (async () => {
      for await (const v of stopping) seen.push(v);
    })();
    stopping.resolve(true);
    await ioTurns(1);
    stopping.stop();
    await loop;
    expect(seen).toEqual([true]);
    expect(await stopping.wait()).toEqual({ done: true, value: undefined });
  });

  it('serves several waiters in FIFO order, one value each', async () => {
    const wait = new WaitObject<string>('fifo');
    const a = wait.wait();
    const b = wait.wait();
    const c = track(wait.wait());
    wait.resolve('x');
    wait.resolve('y');
    expect(await a).toEqual({ done: false, value: 'x' });
    expect(await b).toEqual({ done: false, value: 'y' });
    await ioTurns(1);
    expect(c.settled).toBe(false);
    wait.resolve('z');
    expect(await c.promise).toEqual({ done: false, value: 'z' });
  });

  it('delivers init_value to the first wait(), even an explicit undefined', async () => {
    expect(await new WaitObject('init', true).wait()).toEqual({ done: false, value: true });
    const undef = track(new WaitObject<boolean | undefined>('undef', undefined).wait());
    await Promise.resolve();
    expect(undef.settled).toBe(true);
    const none = track(new WaitObject<boolean>('none').wait());
    await ioTurns(1);
    expect(none.settled).toBe(false);
  });

  it('reject fails every pending waiter', async () => {
    const wait = new WaitObject<boolean>();
    const pending = [wait.wait(), wait.wait()];
    wait.reject(new Error('down'));
    for (const p of pending) await expect(p).rejects.toThrow('down');
  });

  it('stop resolves pending waiters done, but a value sent before it is still delivered first', async () => {
    const pending = new WaitObject<boolean>();
    const p = pending.wait();
    pending.stop();
    expect(await p).toEqual({ done: true, value: undefined });
    const stored = new WaitObject<boolean>();
    stored.resolve(true);
    stored.stop();
    stored.resolve(false); // after stop: ignored
    expect(await stored.next()).toEqual({ done: false, value: true });
    expect(await stored.next()).toEqual({ done: true, value: undefined });
  });

  it('a producer that sends a value and stops: the consumer loop sees the value, then ends', async () => {
    const wait = new WaitObject<string>('handoff');
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const v of wait) seen.push(v);
    })();
    wait.resolve('first');
    await Promise.resolve();
    wait.resolve('second');
    wait.stop();
    await consumer;
    expect(seen).toEqual(['first', 'second']);
  });

  it('async iteration yields each delivered value and throws after reject', async () => {
    const wait = new WaitObject<number>('iter');
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of wait) seen.push(v);
    })();
    for (const v of [1, 2, 3]) {
      wait.resolve(v);
      await ioTurns(1);
    }
    wait.reject(new Error('end'));
    await expect(loop).rejects.toThrow('end');
    expect(seen).toEqual([1, 2, 3]);
  });
});
