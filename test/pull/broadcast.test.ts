import { describe, expect, it } from 'vitest';
import { Broadcast } from '../../src/pull/broadcast.js';
import { ioTurns, track } from '../support/async.js';

describe('Broadcast', () => {
  it('notify() wakes every waiter of the current generation', async () => {
    const signal = new Broadcast();
    const waiters = [track(signal.wait()), track(signal.wait()), track(signal.wait())];
    expect(signal.waiting).toBe(true);
    await ioTurns(1);
    expect(waiters.some((w) => w.settled)).toBe(false);
    signal.notify();
    await Promise.all(waiters.map((w) => w.promise));
    expect(waiters.every((w) => w.settled)).toBe(true);
    expect(signal.waiting).toBe(false);
  });

  it('hands out one promise per generation', () => {
    const signal = new Broadcast();
    const first = signal.wait();
    expect(signal.wait()).toBe(first);
    signal.notify();
    const second = signal.wait();
    expect(second).not.toBe(first);
    expect(signal.wait()).toBe(second);
  });

  it('notify() with nobody waiting stores nothing', async () => {
    const signal = new Broadcast();
    signal.notify();
    expect(signal.waiting).toBe(false);
    const later = track(signal.wait());
    await ioTurns(1);
    expect(later.settled).toBe(false);
    signal.notify();
    await later.promise;
  });
});
