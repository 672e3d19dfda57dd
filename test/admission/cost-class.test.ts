import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CostClass } from '../../src/admission/cost-class.js';
import type { AgingQueueOptions } from '../../src/sources/aging-queue.js';
import { manualClock } from '../support/clock.js';

// CostClass holds the ready tasks of one cost, best first. Its caller (ReadyQueue) marks a task `inQueue`
// when it pushes it and clears the mark itself before calling `withdrawn()`; `take()` clears it. These tests
// play that caller and assert only what comes out of front() / take() / drain() and the `live` count.

interface Item {
  inQueue: boolean;
  readonly name: string;
  readonly priority: number;
}

function item(name: string, priority = 0): Item {
  return { inQueue: false, name, priority };
}

/** Plays the ReadyQueue's part around a class. */
class Caller {
  readonly cls: CostClass<Item>;
  constructor(options: AgingQueueOptions = {}, aging = false) {
    this.cls = new CostClass<Item>({}, options, aging);
  }
  push(...items: Item[]): void {
    for (const it of items) {
      it.inQueue = true;
      this.cls.push(it, it.priority);
    }
  }
  withdraw(it: Item): void {
    expect(it.inQueue).toBe(true);
    it.inQueue = false;
    this.cls.withdrawn();
  }
  /** The front task's name and effective priority (from one `front()`). */
  front(): [string, number] {
    const t = this.cls.front();
    return [t.name, this.cls.frontPriority];
  }
  /** front(), then take(): both must agree. */
  take(): Item {
    const front = this.cls.front();
    const taken = this.cls.take();
    expect(taken).toBe(front);
    expect(taken.inQueue).toBe(false);
    return taken;
  }
  takeNames(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.take().name);
    return out;
  }
  drainNames(): string[] {
    return this.cls.drain().map((t) => t.name);
  }
}

describe('CostClass', () => {
  it('equal priorities come out in arrival order', () => {
    const c = new Caller();
    c.push(item('a', 3), item('b', 3), item('c', 3), item('d', 3));
    expect(c.cls.live).toBe(4);
    expect(c.front()).toEqual(['a', 3]);
    expect(c.takeNames(2)).toEqual(['a', 'b']);
    c.push(item('e', 3));
    expect(c.drainNames()).toEqual(['c', 'd', 'e']);
    expect(c.cls.live).toBe(0);
  });

  it('front() does not remove: it returns the same task until take()', () => {
    const c = new Caller();
    const a = item('a');
    c.push(a, item('b'));
    expect(c.cls.front()).toBe(a);
    expect(c.cls.front()).toBe(a);
    expect(c.cls.live).toBe(2);
    expect(a.inQueue).toBe(true);
    expect(c.cls.take()).toBe(a);
    expect(c.cls.live).toBe(1);
  });

  it('a different priority switches to priority order, tasks already queued included', () => {
    const c = new Caller();
    c.push(item('a1', 1), item('a2', 1), item('a3', 1));
    c.push(item('high', 5));
    expect(c.front()).toEqual(['high', 5]);
    c.push(item('low', 0), item('a4', 1), item('high2', 5));
    expect(c.drainNames()).toEqual(['high', 'high2', 'a1', 'a2', 'a3', 'a4', 'low']);
  });

  it('a lower priority after equal ones also goes to priority order (ties stay in arrival order)', () => {
    const c = new Caller();
    c.push(item('a', 2), item('b', 2));
    c.push(item('low', -1));
    c.push(item('c', 2));
    expect(c.front()).toEqual(['a', 2]);
    expect(c.drainNames()).toEqual(['a', 'b', 'c', 'low']);
  });

  it('the first task fixes the list priority: a later same-priority task stays in arrival order', () => {
    const c = new Caller();
    c.push(item('x', 7));
    expect(c.front()).toEqual(['x', 7]);
    c.push(item('y', 7));
    expect(c.takeNames(2)).toEqual(['x', 'y']);
    // Emptied: a new first task with another priority starts a plain list afresh.
    c.push(item('p', -3), item('q', -3));
    expect(c.front()).toEqual(['p', -3]);
    expect(c.drainNames()).toEqual(['p', 'q']);
  });

  it('withdrawn tasks never come out of front(), take() or drain()', () => {
    for (const mixed of [false, true]) {
      const c = new Caller();
      const items = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => item(n, mixed ? i % 2 : 0));
      c.push(...items);
      c.withdraw(items[0]!); // the front
      c.withdraw(items[2]!);
      expect(c.cls.live).toBe(4);
      expect(c.cls.front().name).toBe('b');
      c.withdraw(items[1]!); // the front, after front() saw it
      expect(c.cls.live).toBe(3);
      const rest = c.drainNames();
      expect(rest).toEqual(mixed ? ['d', 'f', 'e'] : ['d', 'e', 'f']);
      expect(c.cls.live).toBe(0);
    }
  });

  it('`live` counts queued tasks: push adds, take and withdrawn subtract', () => {
    const c = new Caller();
    const [a, b, d] = [item('a'), item('b'), item('d')];
    expect(c.cls.live).toBe(0);
    c.push(a, b, d);
    expect(c.cls.live).toBe(3);
    c.withdraw(b);
    expect(c.cls.live).toBe(2);
    c.take();
    expect(c.cls.live).toBe(1);
    c.withdraw(d);
    expect(c.cls.live).toBe(0);
    // Empty after withdrawals: new tasks are served alone, none of the old ones reappear.
    c.push(item('n1'), item('n2'));
    expect(c.cls.live).toBe(2);
    expect(c.drainNames()).toEqual(['n1', 'n2']);
  });

  it('after the class empties (in priority order), a new push starts fresh in arrival order', () => {
    const c = new Caller();
    c.push(item('a', 1), item('b', 9));
    expect(c.drainNames()).toEqual(['b', 'a']);
    // Fresh: one priority for all again. Arrival order, and front priority is the new one.
    c.push(item('x', 4), item('y', 4), item('z', 4));
    expect(c.front()).toEqual(['x', 4]);
    expect(c.takeNames(1)).toEqual(['x']);
    // Emptied by withdrawals while heap-ordered, too.
    const c2 = new Caller();
    const [p, q] = [item('p', 1), item('q', 2)];
    c2.push(p, q);
    c2.withdraw(q);
    c2.withdraw(p);
    expect(c2.cls.live).toBe(0);
    c2.push(item('r', 0), item('s', 0));
    expect(c2.front()).toEqual(['r', 0]);
    expect(c2.drainNames()).toEqual(['r', 's']);
  });

  it('with aging, order follows effective priority on the injected clock', () => {
    const clock = manualClock(1_000);
    const c = new Caller({ agingRate: 0.01, maxAgeBoost: 5, now: clock.now }, true);
    c.push(item('background', 1));
    clock.advance(300); // background: 1 + 3 = 4
    c.push(item('fresh3', 3), item('fresh5', 5));
    expect(c.front()).toEqual(['fresh5', 5]);
    expect(c.take().name).toBe('fresh5');
    const [name, p] = c.front();
    expect(name).toBe('background');
    expect(p).toBeCloseTo(4, 9);
    clock.advance(1_000); // background capped: 1 + 5 = 6; fresh3: 3 + 5 = 8
    expect(c.front()).toEqual(['fresh3', 8]);
    expect(c.drainNames()).toEqual(['fresh3', 'background']);
  });

  it('with aging, equal priorities still come out in arrival order, and an old one overtakes a fresh higher one', () => {
    const clock = manualClock();
    const c = new Caller({ agingRate: 1, now: clock.now }, true);
    c.push(item('a', 0), item('b', 0));
    clock.advance(10); // a, b: 10
    c.push(item('c', 0), item('d', 8)); // c: 0, d: 8
    expect(c.front()).toEqual(['a', 10]);
    expect(c.drainNames()).toEqual(['a', 'b', 'd', 'c']);
  });

  it('with aging up to a cap, take() takes what front() showed even if the clock moved in between', () => {
    // rate 1, cap 5: x (0, queued at 0) leads y (1, queued at 2) at t = 2 (2 vs 1); at t = 10 both are capped
    // and y leads (6 vs 5).
    const clock = manualClock();
    const c = new Caller({ agingRate: 1, maxAgeBoost: 5, now: clock.now }, true);
    const x = item('x', 0);
    c.push(x);
    clock.advance(2);
    const y = item('y', 1);
    c.push(y);
    expect(c.front()).toEqual(['x', 2]);
    clock.advance(8);
    expect(c.cls.take()).toBe(x);
    expect(c.front()).toEqual(['y', 6]);

    // The same with the one that would lead later withdrawn: it must not come out.
    const clock2 = manualClock();
    const c2 = new Caller({ agingRate: 1, maxAgeBoost: 5, now: clock2.now }, true);
    const x2 = item('x2', 0);
    const z2 = item('z2', -10);
    c2.push(x2);
    clock2.advance(2);
    const y2 = item('y2', 1);
    c2.push(y2, z2);
    expect(c2.front()).toEqual(['x2', 2]);
    c2.withdraw(y2);
    clock2.advance(8);
    // frontPriority describes what the latest front() returned, at its time, whatever the clock did since.
    expect(c2.cls.frontPriority).toBe(2);
    expect(c2.cls.take()).toBe(x2);
    expect(c2.drainNames()).toEqual(['z2']);
    expect(y2.inQueue).toBe(false);
  });

  it('with aging, withdrawn tasks never come out', () => {
    const clock = manualClock();
    const c = new Caller({ agingRate: 0.5, maxAgeBoost: 2, now: clock.now }, true);
    const items = Array.from({ length: 6 }, (_, i) => item(`t${i}`, i % 3));
    for (const it of items) {
      c.push(it);
      clock.advance(1);
    }
    c.withdraw(items[2]!); // the best one
    c.withdraw(items[3]!);
    clock.advance(100);
    expect(c.drainNames()).toEqual(['t5', 't1', 't4', 't0']);
  });

  it('many withdrawals (beyond the sweep threshold) leave the order of the rest intact, list and heap', () => {
    for (const mode of ['list', 'heap'] as const) {
      const c = new Caller();
      const items = Array.from({ length: 200 }, (_, i) => item(`t${i}`, mode === 'heap' ? i % 4 : 0));
      c.push(...items);
      // Keep every 10th (the first and the last among them): withdrawn tasks soon outnumber live + 16 and get
      // swept while the kept ones sit before, between and after them.
      const kept = items.filter((_, i) => i % 10 === 0 || i === items.length - 1);
      for (const it of items) if (it.inQueue && !kept.includes(it)) c.withdraw(it);
      expect(c.cls.live).toBe(kept.length);
      const expected = [...kept].sort((x, y) => y.priority - x.priority).map((t) => t.name);
      expect(c.drainNames()).toEqual(expected);
    }
  });

  describe('agrees with a sorted-array model', () => {
    type Op =
      | { kind: 'push'; priority: number }
      | { kind: 'withdraw'; at: number }
      | { kind: 'take' }
      /** Takes the front and puts it back (a remote take that failed): the order must not change. */
      | { kind: 'putBack' }
      /** Withdraws `count` of many newly pushed tasks, keeping the rest. */
      | { kind: 'flood'; count: number; withdraw: number; priority: number; alternate: boolean };

    const priorityArb = (spread: number) => fc.integer({ min: 0, max: spread });

    const opsArb = (spread: number) =>
      fc.array(
        fc.oneof(
          {
            arbitrary: fc.record({ kind: fc.constant('push' as const), priority: priorityArb(spread) }),
            weight: 5,
          },
          { arbitrary: fc.record({ kind: fc.constant('withdraw' as const), at: fc.nat() }), weight: 3 },
          { arbitrary: fc.record({ kind: fc.constant('take' as const) }), weight: 3 },
          { arbitrary: fc.record({ kind: fc.constant('putBack' as const) }), weight: 2 },
          {
            arbitrary: fc.record({
              kind: fc.constant('flood' as const),
              count: fc.integer({ min: 1, max: 80 }),
              withdraw: fc.integer({ min: 0, max: 80 }),
              priority: priorityArb(spread),
              alternate: spread > 0 ? fc.boolean() : fc.constant(false),
            }),
            weight: 1,
          },
        ),
        { maxLength: 80 },
      );

    /**
     * Runs `ops` against a class and a model: the queued tasks in an array sorted by priority (higher first),
     * then arrival. After every step `live` is the model's length and `front()` the model's first.
     */
    function run(ops: readonly Op[], aging: boolean): void {
      // With aging on a clock that never moves, effective priority = priority: the same order.
      const c = new Caller({ agingRate: aging ? 1 : 0, now: () => 0 }, aging);
      let model: Item[] = [];
      let n = 0;
      const push = (priority: number): Item => {
        const it = item(`t${n++}`, priority);
        c.push(it);
        // Insert after every task of priority ≥ its own: ties in arrival order.
        let at = model.findIndex((m) => m.priority < priority);
        if (at < 0) at = model.length;
        model.splice(at, 0, it);
        return it;
      };
      const withdraw = (it: Item): void => {
        c.withdraw(it);
        model = model.filter((m) => m !== it);
      };
      for (const op of ops) {
        switch (op.kind) {
          case 'push':
            push(op.priority);
            break;
          case 'withdraw':
            if (model.length > 0) withdraw(model[op.at % model.length]!);
            break;
          case 'take':
            if (model.length > 0) expect(c.take()).toBe(model.shift());
            break;
          case 'putBack':
            if (model.length > 0) {
              const it = c.take();
              expect(it).toBe(model[0]);
              it.inQueue = true;
              c.cls.putBack(it, it.priority);
            }
            break;
          case 'flood': {
            const added: Item[] = [];
            for (let i = 0; i < op.count; i++) added.push(push(op.priority + (op.alternate ? i % 2 : 0)));
            // Withdraw from between the first and the last of them, scrambled, so that live tasks stay on both
            // sides of the withdrawn ones (which then get swept, not dropped at the front).
            const inner = added.length - 2;
            for (let i = 0; i < Math.min(op.withdraw, inner); i++) {
              const it = added[1 + ((i * 7) % inner)]!;
              if (it.inQueue) withdraw(it);
            }
            break;
          }
        }
        expect(c.cls.live).toBe(model.length);
        if (model.length > 0) {
          expect(c.cls.front()).toBe(model[0]);
          expect(c.cls.frontPriority).toBe(model[0]!.priority);
          expect(model[0]!.inQueue).toBe(true);
        }
      }
      expect(c.cls.drain()).toEqual(model);
      expect(c.cls.live).toBe(0);
      for (const it of model) expect(it.inQueue).toBe(false);
    }

    it('one priority for all (list mode)', () => {
      fc.assert(
        fc.property(opsArb(0), (ops) => run(ops, false)),
        { numRuns: 200 },
      );
    });

    it('mixed priorities (heap mode)', () => {
      fc.assert(
        fc.property(opsArb(3), (ops) => run(ops, false)),
        { numRuns: 200 },
      );
    });

    it('mixed priorities with aging on a still clock', () => {
      fc.assert(
        fc.property(opsArb(2), (ops) => run(ops, true)),
        { numRuns: 100 },
      );
    });

    it('a long run of one priority: many takes and withdrawals keep arrival order', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 1100, max: 3000 }),
          (pattern, total) => {
            // Each step pushes 1 and then takes (0-3), withdraws (4-6) or keeps (7-9) a task: the list's dead front
            // grows past its compaction threshold while withdrawn tasks come and go.
            const ops: Op[] = [];
            for (let i = 0; i < total; i++) {
              ops.push({ kind: 'push', priority: 1 });
              const p = pattern[i % pattern.length]!;
              if (p <= 3) ops.push({ kind: 'take' });
              else if (p <= 6) ops.push({ kind: 'withdraw', at: i });
            }
            run(ops, false);
          },
        ),
        { numRuns: 20 },
      );
    });
  });
});
