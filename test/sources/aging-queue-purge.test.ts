import { describe, expect, it } from 'vitest';
import { AgingQueue, type AgingQueueOptions } from '../../src/sources/aging-queue.js';
import type { EntryHandle } from '../../src/sources/entry-handle.js';
import { manualClock } from '../support/clock.js';

// AgingQueue.purge(drop): removes every entry whose item `drop` accepts, returns how many, and leaves the
// rest in their order. Entries added with `add` (no handle) and with `push` (a handle) alike; a purged
// entry's handle goes stale.

function drain<T>(q: AgingQueue<T>): T[] {
  const out: T[] = [];
  for (let item = q.pop(); item !== undefined; item = q.pop()) out.push(item);
  return out;
}

interface Fixture {
  q: AgingQueue<string>;
  handles: Map<string, EntryHandle>;
  advance: (ms: number) => void;
}

/**
 * Twelve entries `e0`…`e11`, one ms apart, priorities 0, 1, 2, 0, 1, 2…; even ones added with `push`
 * (a handle), odd ones with `add`.
 */
function fixture(options: Omit<AgingQueueOptions, 'now'>): Fixture {
  const clock = manualClock(10_000);
  const q = new AgingQueue<string>({ ...options, now: clock.now });
  const handles = new Map<string, EntryHandle>();
  for (let i = 0; i < 12; i++) {
    const name = `e${i}`;
    if (i % 2 === 0) handles.set(name, q.push(name, i % 3));
    else q.add(name, i % 3);
    clock.advance(1);
  }
  return { q, handles, advance: clock.advance };
}

const MODES: ReadonlyArray<[string, Omit<AgingQueueOptions, 'now'>]> = [
  ['no aging', {}],
  ['aging without a cap', { agingRate: 0.5 }],
  ['aging with a cap', { agingRate: 0.5, maxAgeBoost: 2 }],
];

describe('AgingQueue.purge', () => {
  it.each(MODES)(
    'removes exactly the matching entries and keeps the order of the rest (%s)',
    (_, options) => {
      const reference = fixture(options);
      const f = fixture(options);
      // Entries age for a while first; with a cap, a peek then moves the oldest ones to the capped heap.
      reference.advance(3);
      f.advance(3);
      expect(f.q.peek()).toBe(reference.q.peek());
      const dropped = new Set(['e0', 'e2', 'e5', 'e7', 'e11', 'e4']);
      const seen: string[] = [];
      const n = f.q.purge((item) => {
        seen.push(item);
        return dropped.has(item);
      });
      expect(n).toBe(6);
      expect(f.q.size).toBe(6);
      // `drop` sees each queued item once.
      expect([...seen].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `e${i}`).sort());
      const expected = drain(reference.q).filter((item) => !dropped.has(item));
      expect(expected).toHaveLength(6);
      expect(drain(f.q)).toEqual(expected);
    },
  );

  it('with a cap: entries in both heaps (capped and still aging) are purged, the rest keep their order', () => {
    const run = (purge: boolean): string[] => {
      const clock = manualClock(0);
      const q = new AgingQueue<string>({ agingRate: 1, maxAgeBoost: 4, now: clock.now });
      const handles = new Map<string, EntryHandle>();
      // Old entries (reach the cap of 4 by t = 10), then young ones (still aging at t = 10).
      for (let i = 0; i < 6; i++) {
        const name = `old${i}`;
        if (i % 2 === 0) handles.set(name, q.push(name, i % 3));
        else q.add(name, i % 3);
      }
      clock.set(8);
      for (let i = 0; i < 6; i++) {
        const name = `young${i}`;
        if (i % 2 === 1) handles.set(name, q.push(name, 3 + (i % 2)));
        else q.add(name, 3 + (i % 2));
      }
      clock.set(10);
      // old: p + 4 (capped, 4..6); young: p + 2 (5..6): the peek moves the old ones to the capped heap.
      expect(q.peekEntry()?.effectivePriority).toBe(6);
      if (purge) {
        const removed = q.purge(
          (item) => item === 'old0' || item === 'old3' || item === 'young1' || item === 'young4',
        );
        expect(removed).toBe(4);
        expect(q.size).toBe(8);
        expect(q.remove(handles.get('old0')!)).toBe(false);
        expect(q.remove(handles.get('young1')!)).toBe(false);
        expect(q.effectivePriorityOf(handles.get('old2')!)).toBe(6);
        expect(q.effectivePriorityOf(handles.get('young3')!)).toBe(6);
      }
      clock.set(11); // young ones still below the cap: 3 + 3 = 6 and 4 + 3 = 7
      expect(q.peek()).toBe(purge ? 'young3' : 'young1'); // a fresh choice at the new time
      return drain(q);
    };
    const all = run(false);
    expect(all).toEqual([
      'young1',
      'young3',
      'young5',
      'old2',
      'old5',
      'young0',
      'young2',
      'young4',
      'old1',
      'old4',
      'old0',
      'old3',
    ]);
    const gone = new Set(['old0', 'old3', 'young1', 'young4']);
    expect(run(true)).toEqual(all.filter((item) => !gone.has(item)));
  });

  it.each(MODES)('handles of purged entries become stale; the others still work (%s)', (_, options) => {
    const f = fixture(options);
    f.advance(5);
    f.q.peek();
    const n = f.q.purge((item) => item === 'e2' || item === 'e3' || item === 'e8');
    expect(n).toBe(3);
    for (const name of ['e2', 'e8']) {
      expect(f.q.effectivePriorityOf(f.handles.get(name)!)).toBeUndefined();
      expect(f.q.remove(f.handles.get(name)!)).toBe(false);
    }
    expect(f.q.size).toBe(9);
    // The kept ones can still be removed by handle, once.
    expect(f.q.effectivePriorityOf(f.handles.get('e4')!)).toBeDefined();
    expect(f.q.remove(f.handles.get('e4')!)).toBe(true);
    expect(f.q.remove(f.handles.get('e4')!)).toBe(false);
    expect(f.q.size).toBe(8);
    const rest = drain(f.q);
    expect(rest).toHaveLength(8);
    expect(rest).not.toContain('e2');
    expect(rest).not.toContain('e3');
    expect(rest).not.toContain('e4');
    expect(rest).not.toContain('e8');
  });

  it.each(MODES)('purging everything empties the queue, which then works afresh (%s)', (_, options) => {
    const f = fixture(options);
    f.advance(100);
    f.q.peek();
    expect(f.q.purge(() => true)).toBe(12);
    expect(f.q.size).toBe(0);
    expect(f.q.peek()).toBeUndefined();
    expect(f.q.peekEntry()).toBeUndefined();
    expect(f.q.pop()).toBeUndefined();
    for (const h of f.handles.values()) expect(f.q.remove(h)).toBe(false);
    // Purging an empty queue removes nothing.
    expect(f.q.purge(() => true)).toBe(0);
    // Fresh entries age from their own enqueue, nothing of the old ones remains.
    const a = f.q.push('a', 1);
    f.q.add('b', 2);
    expect(f.q.size).toBe(2);
    expect(f.q.peekEntry()).toEqual({ item: 'b', priority: 2, effectivePriority: 2 });
    expect(f.q.effectivePriorityOf(a)).toBe(1);
    expect(drain(f.q)).toEqual(['b', 'a']);
  });

  it.each(MODES)('purging nothing returns 0 and changes nothing (%s)', (_, options) => {
    const reference = fixture(options);
    const f = fixture(options);
    expect(f.q.purge(() => false)).toBe(0);
    expect(f.q.size).toBe(12);
    expect(drain(f.q)).toEqual(drain(reference.q));
  });

  it('skips entries already removed by handle: drop never sees them, the count leaves them out', () => {
    const q = new AgingQueue<string>();
    const handles = ['a', 'b', 'c', 'd', 'e'].map((name, i) => q.push(name, i));
    q.add('f', 10);
    // 'b' and 'c' stay behind as stale copies inside the heap.
    expect(q.remove(handles[1]!)).toBe(true);
    expect(q.remove(handles[2]!)).toBe(true);
    const seen: string[] = [];
    const n = q.purge((item) => {
      seen.push(item);
      return true;
    });
    expect([...seen].sort()).toEqual(['a', 'd', 'e', 'f']);
    expect(n).toBe(4);
    expect(q.size).toBe(0);
    expect(q.pop()).toBeUndefined();
  });

  it('a pop after a purge does not take an entry a peek chose before it', () => {
    const q = new AgingQueue<string>();
    q.add('x', 5);
    q.add('y', 1);
    expect(q.peek()).toBe('x');
    expect(q.purge((item) => item === 'x')).toBe(1);
    expect(q.upcoming()).toBe('y');
    expect(q.pop()).toBe('y');
    expect(q.pop()).toBeUndefined();

    // With a cap, where a peek's choice names one of two heaps: x and z are capped (12 and 2), y still ages
    // (5). The peek chose x's heap; once x is purged, y leads, not z.
    const clock = manualClock();
    const capped = new AgingQueue<string>({ agingRate: 1, maxAgeBoost: 2, now: clock.now });
    capped.add('x', 10);
    capped.add('z', 0);
    clock.advance(5);
    capped.add('y', 5);
    expect(capped.peekEntry()).toEqual({ item: 'x', priority: 10, effectivePriority: 12 });
    expect(capped.purge((item) => item === 'x')).toBe(1);
    expect(capped.upcoming()).toBe('y');
    expect(capped.pop()).toBe('y');
    expect(capped.pop()).toBe('z');
  });

  it('sweeps a large queue: keeps every 10th entry, in effective-priority order, added and pushed alike', () => {
    const clock = manualClock();
    const rate = 0.25;
    const cap = 8;
    const q = new AgingQueue<number>({ agingRate: rate, maxAgeBoost: cap, now: clock.now });
    const handles: EntryHandle[] = [];
    const enqueuedAt: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      if (i % 3 === 0) handles[i] = q.push(i, i % 5);
      else q.add(i, i % 5);
      enqueuedAt[i] = clock.now();
      if (i % 100 === 0) {
        clock.advance(4);
        q.peek(); // moves the entries that reached the cap (after 32 ms) to the capped heap
      }
    }
    clock.advance(1);
    q.peek();
    expect(q.purge((i) => i % 10 !== 0)).toBe(1_800);
    expect(q.size).toBe(200);
    for (let i = 0; i < 2_000; i += 3) expect(q.remove(handles[i]!)).toBe(i % 10 === 0);
    expect(q.size).toBe(200 - 67);
    // Left: every 10th entry that is not also a multiple of 3, by p + min(rate · age, cap), FIFO on ties.
    const now = clock.now();
    const eff = (i: number): number => (i % 5) + Math.min(rate * (now - enqueuedAt[i]!), cap);
    const expected = Array.from({ length: 200 }, (_, k) => 10 * k)
      .filter((i) => i % 3 !== 0)
      .sort((a, b) => eff(b) - eff(a) || a - b);
    expect(drain(q)).toEqual(expected);
  });
});

// The model test of `AgingQueue` (aging-queue.test.ts) also runs purges between its other operations.
