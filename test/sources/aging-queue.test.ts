import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { AgingQueue, type AgingQueueOptions, type EntryHandle } from '../../src/sources/aging-queue.js';
import { manualClock } from './helpers.js';

function drain<T>(q: AgingQueue<T>): T[] {
  const out: T[] = [];
  for (let item = q.pop(); item !== undefined; item = q.pop()) out.push(item);
  return out;
}

function optionError(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('AgingQueue ordering', () => {
  it('claim 49: low(1), high(10), medium(5) come out high, medium, low', () => {
    const q = new AgingQueue<string>();
    q.push('low', 1);
    q.push('high', 10);
    q.push('medium', 5);
    expect(q.size).toBe(3);
    expect(q.peek()).toBe('high');
    expect(drain(q)).toEqual(['high', 'medium', 'low']);
    expect(q.size).toBe(0);
    expect(q.pop()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
    expect(q.peekEntry()).toBeUndefined();
  });

  it('claim 50: equal priorities are served FIFO, with and without aging', () => {
    const plain = new AgingQueue<string>();
    for (const name of ['a', 'b', 'c', 'd']) plain.push(name, 5);
    plain.push('x', 7);
    expect(drain(plain)).toEqual(['x', 'a', 'b', 'c', 'd']);

    // With aging, equal effective priorities also break ties by enqueue order: 'old' waited 4 ms at
    // rate 0.5 (2 + 2 = 4) and ties 'fresh' (4); both reach the cap at the same value later.
    const clock = manualClock();
    const aging = new AgingQueue<string>({ agingRate: 0.5, maxAgeBoost: 3, now: clock.now });
    aging.push('old', 2);
    clock.advance(4);
    aging.push('fresh', 4);
    expect(aging.peekEntry()).toEqual({ item: 'old', priority: 2, effectivePriority: 4 });
    clock.advance(100); // old = 2 + 3, fresh = 4 + 3: fresh leads
    expect(aging.peek()).toBe('fresh');
  });

  it('claim 51: rate 0.01, cap 5 — background(1) reaches 6 after 500 ms and beats a fresh 5', () => {
    const clock = manualClock(1_000_000);
    const q = new AgingQueue<string>({ agingRate: 0.01, maxAgeBoost: 5, now: clock.now });
    const background = q.push('background', 1);
    clock.advance(300);
    const early = q.push('fresh-at-300', 5);
    expect(q.peek()).toBe('fresh-at-300'); // 4 < 5
    expect(q.remove(early)).toBe(true);
    clock.advance(100);
    q.push('fresh-at-400', 5);
    // 1 + 4 = 5 ties the fresh 5: equal effective priority is FIFO, and background was enqueued first.
    expect(q.peek()).toBe('background');
    q.clear();

    const q2 = new AgingQueue<string>({ agingRate: 0.01, maxAgeBoost: 5, now: clock.now });
    const bg = q2.push('background', 1);
    clock.advance(500);
    q2.push('fresh', 5);
    expect(q2.effectivePriorityOf(bg)).toBeCloseTo(6, 9);
    expect(q2.peekEntry()?.item).toBe('background');
    clock.advance(60_000); // both capped: background stays 6, fresh (5 + 5) now leads
    expect(q2.effectivePriorityOf(bg)).toBeCloseTo(6, 9);
    expect(drain(q2)).toEqual(['fresh', 'background']);
    expect(q.effectivePriorityOf(background)).toBeUndefined(); // cleared
  });

  it('claim 51: rate 0.001, cap 5 — 1 becomes 3 after 2 s and 6 after 5 s', () => {
    const clock = manualClock();
    const q = new AgingQueue<string>({ agingRate: 0.001, maxAgeBoost: 5, now: clock.now });
    const h = q.push('job', 1);
    expect(q.effectivePriorityOf(h)).toBe(1);
    clock.set(2_000);
    expect(q.effectivePriorityOf(h)).toBeCloseTo(3, 9);
    clock.set(5_000);
    expect(q.effectivePriorityOf(h)).toBeCloseTo(6, 9);
    clock.set(3_600_000);
    expect(q.peekEntry()?.effectivePriority).toBeCloseTo(6, 9);
  });

  it('claim 51: rate 0.005, cap 45 — free(10) is 50 at 8 s, 55 at ≥ 9 s, never 100', () => {
    const clock = manualClock();
    const q = new AgingQueue<string>({ agingRate: 0.005, maxAgeBoost: 45, now: clock.now });
    const free = q.push('free', 10);
    clock.set(8_000);
    expect(q.effectivePriorityOf(free)).toBeCloseTo(50, 9);
    clock.set(9_000);
    expect(q.effectivePriorityOf(free)).toBeCloseTo(55, 9);
    clock.set(86_400_000);
    expect(q.effectivePriorityOf(free)).toBeCloseTo(55, 9);
    q.push('premium', 100);
    expect(drain(q)).toEqual(['premium', 'free']);
  });

  it('D19: a re-enqueued item starts aging again from its new enqueue time', () => {
    const clock = manualClock();
    const q = new AgingQueue<string>({ agingRate: 0.25, now: clock.now });
    q.push('retry-me', 1);
    clock.set(400);
    q.push('other', 1);
    clock.set(1_000);
    expect(q.pop()).toBe('retry-me'); // 1 + 250 beats 1 + 150
    const again = q.push('retry-me', 1); // e.g. fail() → back in the queue
    expect(q.effectivePriorityOf(again)).toBe(1);
    expect(q.peek()).toBe('other');
    clock.set(1_100);
    expect(q.effectivePriorityOf(again)).toBe(26);
    expect(drain(q)).toEqual(['other', 'retry-me']);
  });

  it('maxAgeBoost 0 and agingRate 0 both mean plain priority order', () => {
    for (const opts of [{ agingRate: 1, maxAgeBoost: 0 }, { agingRate: 0 }]) {
      const clock = manualClock();
      const q = new AgingQueue<string>({ ...opts, now: clock.now });
      q.push('a', 1);
      clock.advance(1_000_000);
      q.push('b', 2);
      expect(q.peekEntry()).toEqual({ item: 'b', priority: 2, effectivePriority: 2 });
      expect(drain(q)).toEqual(['b', 'a']);
    }
  });

  it('holds time still when the clock goes backwards', () => {
    const clock = manualClock(100);
    const q = new AgingQueue<string>({ agingRate: 1, now: clock.now });
    const a = q.push('a', 0);
    clock.set(110);
    expect(q.effectivePriorityOf(a)).toBe(10);
    clock.set(50); // backwards: time stays at 110
    expect(q.effectivePriorityOf(a)).toBe(10);
    const b = q.push('b', 0);
    expect(q.effectivePriorityOf(b)).toBe(0);
    clock.set(115);
    expect(q.effectivePriorityOf(a)).toBe(15);
    expect(q.effectivePriorityOf(b)).toBe(5);
  });
});

describe('AgingQueue remove, clear and handles', () => {
  it('remove() takes a queued entry out; stale and foreign handles return false', () => {
    const q = new AgingQueue<string>();
    const a = q.push('a', 3);
    const b = q.push('b', 2);
    const c = q.push('c', 1);
    expect(q.remove(b)).toBe(true);
    expect(q.remove(b)).toBe(false);
    expect(q.size).toBe(2);
    expect(q.effectivePriorityOf(b)).toBeUndefined();
    expect(q.pop()).toBe('a');
    expect(q.remove(a)).toBe(false); // popped
    const other = new AgingQueue<string>();
    other.push('z', 1);
    expect(other.remove(c)).toBe(false); // another queue's handle, even if its slot exists there
    expect(q.remove(c)).toBe(true);
    expect(q.size).toBe(0);
    // Slots are reused, but old handles never match the new entries.
    q.push('d', 1);
    expect(q.remove(a)).toBe(false);
    expect(q.remove(c)).toBe(false);
    expect(q.size).toBe(1);
  });

  it('clear() empties the queue and makes every handle stale', () => {
    const q = new AgingQueue<number>({ agingRate: 0.5, maxAgeBoost: 2 });
    const handles = Array.from({ length: 50 }, (_, i) => q.push(i, i % 5));
    q.clear();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(handles.some((h) => q.remove(h))).toBe(false);
    q.push(7, 1);
    expect(q.pop()).toBe(7);
  });

  it('drains a large queue in effective-priority order, and is reusable after emptying', () => {
    const clock = manualClock();
    const q = new AgingQueue<number>({ agingRate: 0.5, maxAgeBoost: 4, now: clock.now });
    for (let round = 0; round < 2; round++) {
      const entries: Array<{ id: number; p: number; t: number }> = [];
      for (let i = 0; i < 3_000; i++) {
        const p = (i * 7_919) % 13;
        entries.push({ id: i, p, t: clock.now() });
        q.push(i, p);
        if (i % 100 === 99) clock.advance(1);
      }
      clock.advance(3); // some entries capped, some not
      const now = clock.now();
      const eff = (e: { p: number; t: number }): number => e.p + Math.min(0.5 * (now - e.t), 4);
      const expected = [...entries].sort((x, y) => eff(y) - eff(x) || x.id - y.id).map((e) => e.id);
      expect(drain(q)).toEqual(expected);
    }
  });
});

describe('AgingQueue validation', () => {
  it.each([
    ['agingRate', { agingRate: -1 }],
    ['agingRate', { agingRate: Number.NaN }],
    ['agingRate', { agingRate: Number.POSITIVE_INFINITY }],
    ['maxAgeBoost', { maxAgeBoost: -0.5 }],
    ['maxAgeBoost', { maxAgeBoost: Number.NaN }],
  ] as [string, AgingQueueOptions][])('rejects a bad %s', (option, opts) => {
    const error = optionError(() => new AgingQueue(opts));
    expect(error.code).toBe('ALLOT_INVALID_OPTION');
    expect(error.option).toBe(option);
  });

  it('rejects a clock that is not a function or reads a non-finite time', () => {
    expect(optionError(() => new AgingQueue({ now: 5 as unknown as () => number })).option).toBe('now');
    const q = new AgingQueue<string>({ now: () => Number.NaN });
    expect(optionError(() => q.push('a', 1)).option).toBe('now()');
    expect(q.size).toBe(0);
  });

  it('rejects a non-finite priority, naming a string item', () => {
    const q = new AgingQueue<string>();
    const error = optionError(() => q.push('extract', Number.NaN));
    expect(error.message).toContain('"extract"');
    expect(optionError(() => q.push('load', Number.POSITIVE_INFINITY)).message).toContain('"load"');
    expect(optionError(() => new AgingQueue<object>().push({}, '3' as unknown as number)).option).toBe(
      'priority',
    );
    expect(q.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Model test: every peek/pop agrees exactly with a naive scan. Dyadic rates, integer priorities, clock
// steps and caps keep the arithmetic exact, so even ties must match.

type Op =
  | { kind: 'push'; priority: number }
  | { kind: 'pop' }
  | { kind: 'peek' }
  | { kind: 'remove'; pick: number }
  | { kind: 'priorityOf'; pick: number }
  | { kind: 'tick'; ms: number };

interface ModelEntry {
  id: number;
  p: number;
  t: number;
  handle: EntryHandle;
}

function runAgainstModel(rate: number, cap: number, start: number, ops: readonly Op[]): void {
  let clock = start;
  let seen = Number.NEGATIVE_INFINITY; // the queue has read no time yet
  const q = new AgingQueue<number>({ agingRate: rate, maxAgeBoost: cap, now: () => clock });
  const model: ModelEntry[] = []; // in enqueue order
  const handles: Array<{ id: number; handle: EntryHandle }> = [];
  let nextId = 0;
  const eff = (e: ModelEntry): number => e.p + Math.min(rate * (seen - e.t), cap);
  const best = (): number => {
    let at = -1;
    for (let i = 0; i < model.length; i++) if (at < 0 || eff(model[i]!) > eff(model[at]!)) at = i;
    return at;
  };
  // The queue sees the clock only when it reads it: push, pop, peek, and effectivePriorityOf of a queued
  // entry. It never goes back.
  const read = (): void => {
    seen = Math.max(seen, clock);
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'push': {
        read();
        const id = nextId++;
        const handle = q.push(id, op.priority);
        model.push({ id, p: op.priority, t: seen, handle });
        handles.push({ id, handle });
        break;
      }
      case 'pop':
      case 'peek': {
        read();
        const at = best();
        const want = at < 0 ? undefined : model[at]!;
        if (op.kind === 'peek') {
          const got = q.peekEntry();
          expect(got?.item).toBe(want?.id);
          if (want !== undefined) expect(got?.effectivePriority).toBe(eff(want));
        } else {
          expect(q.pop()).toBe(want?.id);
          if (at >= 0) model.splice(at, 1);
        }
        break;
      }
      case 'remove':
      case 'priorityOf': {
        if (handles.length === 0) break;
        const { id, handle } = handles[op.pick % handles.length]!;
        const at = model.findIndex((e) => e.id === id);
        if (op.kind === 'remove') {
          expect(q.remove(handle)).toBe(at >= 0);
          if (at >= 0) model.splice(at, 1);
        } else {
          if (at >= 0) read();
          expect(q.effectivePriorityOf(handle)).toBe(at >= 0 ? eff(model[at]!) : undefined);
        }
        break;
      }
      case 'tick':
        clock += op.ms;
        break;
    }
    expect(q.size).toBe(model.length);
  }
  // Final drain must also agree.
  read();
  while (model.length > 0) {
    const at = best();
    expect(q.pop()).toBe(model[at]!.id);
    model.splice(at, 1);
  }
  expect(q.pop()).toBeUndefined();
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: -3, max: 3 }).map((priority): Op => ({ kind: 'push', priority })),
  },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'pop' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'peek' }) },
  { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ kind: 'remove', pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick): Op => ({ kind: 'priorityOf', pick })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -6, max: 30 }))
      .map((ms): Op => ({ kind: 'tick', ms })),
  },
);

describe('AgingQueue model test', () => {
  it('claims 50 and 51: every peek and pop matches a naive scan of p + min(rate·age, cap), FIFO on ties', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0.125, 0.25, 0.5, 1, 2),
        fc.constantFrom(0, 1, 2, 3, 5, 8, Number.POSITIVE_INFINITY),
        fc.integer({ min: -1_000, max: 1_000_000 }),
        fc.array(opArb, { maxLength: 250 }),
        (rate, cap, start, ops) => runAgainstModel(rate, cap, start, ops),
      ),
      { numRuns: 400 },
    );
  });

  it('matches the model when many entries leave while an old one waits to reach the cap', () => {
    // Exercises the lazy clean-up of the enqueue-order list: 'old' stays uncapped while hundreds of
    // younger entries are pushed and popped around it.
    const ops: Op[] = [{ kind: 'push', priority: -3 }];
    for (let i = 0; i < 300; i++) {
      ops.push({ kind: 'push', priority: i % 3 });
      if (i % 2 === 1) ops.push({ kind: 'pop' }, { kind: 'remove', pick: i * 7 });
      if (i % 50 === 0) ops.push({ kind: 'tick', ms: 1 }, { kind: 'peek' });
    }
    ops.push({ kind: 'tick', ms: 20 }, { kind: 'peek' }, { kind: 'tick', ms: 20 });
    for (let i = 0; i < 40; i++)
      ops.push({ kind: 'pop' }, { kind: 'push', priority: 1 }, { kind: 'tick', ms: 1 });
    runAgainstModel(0.25, 8, 0, ops);
  });
});

describe('exact ties stay FIFO however long the queue lives (review finding)', () => {
  it('rate 0.01, cap 5: background(1) aged 400 ms ties a fresh 5 and is served first, at any start time', () => {
    for (const start of [0, 1, 5, 9, 13, 86_400_000, 31_536_000_000]) {
      let now = 0;
      const queue = new AgingQueue<string>({ agingRate: 0.01, maxAgeBoost: 5, now: () => now });
      queue.push('backlog', -100); // the queue never empties, so no time rebasing helps
      now = start;
      queue.push('background', 1);
      now = start + 400;
      queue.push('urgent', 5);
      expect(queue.peek(), `start ${start}`).toBe('background');
    }
  });
});
