import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatedNumber, type Keyed, KeyIndex } from '../../src/scheduler/key-index.js';

// KeyIndex finds the scheduler's tasks by key: caller-given keys in a map, unnamed tasks by their generated
// number `n` (key `task-<n>`). Only what a caller can observe is asserted: get / has / values / nextNumber.

/** An entry like the scheduler's Task: a given key, or `task-<id>` made when first read. */
class Entry implements Keyed {
  #name: string | undefined;
  constructor(
    name: string | undefined,
    readonly id: number,
  ) {
    this.#name = name;
  }
  get key(): string {
    if (this.#name === undefined) this.#name = `task-${this.id}`;
    return this.#name;
  }
}

function named(index: KeyIndex<Entry>, key: string): Entry {
  const e = new Entry(key, 0);
  index.addNamed(key, e);
  return e;
}

function numbered(index: KeyIndex<Entry>): Entry {
  const e = new Entry(undefined, index.nextNumber());
  index.addNumbered(e);
  return e;
}

describe('generatedNumber', () => {
  it.each([
    ['task-1', 1],
    ['task-42', 42],
    ['task-999999999999999', 999_999_999_999_999],
    ['task-01', 0],
    ['task-0', 0],
    ['task-x', 0],
    ['task-', 0],
    ['task-1x', 0],
    ['task--1', 0],
    ['Task-1', 0],
    [' task-1', 0],
    ['task-1000000000000000', 0], // 16 digits: not a number the index generates
    ['x', 0],
    ['', 0],
  ])('%j → %d', (key, n) => {
    expect(generatedNumber(key)).toBe(n);
  });
});

describe('KeyIndex', () => {
  it('named entries: add, get, has, delete', () => {
    const index = new KeyIndex<Entry>();
    expect(index.has('a')).toBe(false);
    expect(index.get('a')).toBeUndefined();
    const a = named(index, 'a');
    const b = named(index, 'b');
    expect(index.get('a')).toBe(a);
    expect(index.get('b')).toBe(b);
    expect(index.has('a')).toBe(true);
    expect(index.has('c')).toBe(false);
    index.delete(a);
    expect(index.get('a')).toBeUndefined();
    expect(index.has('a')).toBe(false);
    expect(index.get('b')).toBe(b);
    // Deleting twice is harmless; the key can be taken again.
    index.delete(a);
    const a2 = named(index, 'a');
    expect(index.get('a')).toBe(a2);
    // Deleting the old entry does not forget the new one under the same key.
    index.delete(a);
    expect(index.get('a')).toBe(a2);
  });

  it('numbered entries get 1, 2, 3… and are found by `task-<n>`', () => {
    const index = new KeyIndex<Entry>();
    expect(index.nextNumber()).toBe(1);
    expect(index.nextNumber()).toBe(1); // asking does not take the number
    const e1 = numbered(index);
    const e2 = numbered(index);
    const e3 = numbered(index);
    expect([e1.id, e2.id, e3.id]).toEqual([1, 2, 3]);
    expect(index.get('task-1')).toBe(e1);
    expect(index.get('task-2')).toBe(e2);
    expect(index.get('task-3')).toBe(e3);
    expect(index.has('task-3')).toBe(true);
    expect(index.get('task-4')).toBeUndefined();
    expect(index.get('task-0')).toBeUndefined();
    expect(index.get('task-02')).toBeUndefined();
    expect(index.has('task-01')).toBe(false);
    expect(index.nextNumber()).toBe(4);
  });

  it('delete then get returns undefined, for numbered entries too (front, middle and last)', () => {
    const index = new KeyIndex<Entry>();
    const es = [numbered(index), numbered(index), numbered(index), numbered(index)];
    index.delete(es[1]!);
    expect(index.get('task-2')).toBeUndefined();
    expect(index.get('task-1')).toBe(es[0]);
    index.delete(es[0]!);
    expect(index.get('task-1')).toBeUndefined();
    expect(index.get('task-3')).toBe(es[2]);
    index.delete(es[3]!);
    expect(index.get('task-4')).toBeUndefined();
    expect(index.get('task-3')).toBe(es[2]);
    index.delete(es[2]!);
    expect([...index.values()]).toEqual([]);
    // Numbers are never reused.
    expect(numbered(index).id).toBe(5);
    expect(index.get('task-5')?.id).toBe(5);
    expect(index.get('task-3')).toBeUndefined();
  });

  it('a named key `task-<n>` takes precedence once the numbered entry n is gone, and stays separate', () => {
    const index = new KeyIndex<Entry>();
    const e1 = numbered(index);
    index.delete(e1);
    const n1 = named(index, 'task-1');
    expect(index.get('task-1')).toBe(n1);
    const e2 = numbered(index);
    expect(e2.id).toBe(2);
    index.delete(n1);
    expect(index.get('task-1')).toBeUndefined();
    expect(index.get('task-2')).toBe(e2);
  });

  it('generated numbers skip numbers claimed by a named key `task-<n>` added earlier', () => {
    const index = new KeyIndex<Entry>();
    const t2 = named(index, 'task-2');
    named(index, 'task-3');
    named(index, 'task-5');
    named(index, 'task-05'); // not a generated form: claims nothing
    const ids = [numbered(index), numbered(index), numbered(index), numbered(index)].map((e) => e.id);
    expect(ids).toEqual([1, 4, 6, 7]);
    expect(index.get('task-2')).toBe(t2);
    expect(index.get('task-4')?.id).toBe(4);
    expect(index.get('task-6')?.id).toBe(6);
    // A claim below the next number changes nothing; a claim above it is skipped even after its entry is gone.
    named(index, 'task-1000');
    const t9 = named(index, 'task-9');
    index.delete(t9);
    expect(numbered(index).id).toBe(8);
    expect(numbered(index).id).toBe(10);
    expect(index.get('task-9')).toBeUndefined();
  });

  it('nextNumber(after) numbers a batch before it is added, skipping claimed numbers', () => {
    const index = new KeyIndex<Entry>();
    numbered(index); // 1
    named(index, 'task-4');
    const a = index.nextNumber();
    const b = index.nextNumber(a);
    const c = index.nextNumber(b);
    expect([a, b, c]).toEqual([2, 3, 5]);
    // `after` below the next number gives the next number.
    expect(index.nextNumber(0)).toBe(2);
    const batch = [a, b, c].map((n) => new Entry(undefined, n));
    for (const e of batch) index.addNumbered(e);
    expect(index.get('task-2')).toBe(batch[0]);
    expect(index.get('task-3')).toBe(batch[1]);
    expect(index.get('task-4')?.id).toBe(0); // the named one
    expect(index.get('task-5')).toBe(batch[2]);
    expect(index.nextNumber()).toBe(6);
  });

  it('values() lists every remembered entry exactly once, named first, then by number', () => {
    const index = new KeyIndex<Entry>();
    const e1 = numbered(index);
    const a = named(index, 'a');
    const e2 = numbered(index);
    const e3 = numbered(index);
    const b = named(index, 'b');
    expect([...index.values()]).toEqual([a, b, e1, e2, e3]);
    index.delete(e2);
    index.delete(a);
    expect([...index.values()]).toEqual([b, e1, e3]);
  });

  it('one very old entry alive while thousands of newer ones come and go: all still found, then forgotten', () => {
    const index = new KeyIndex<Entry>();
    const old = numbered(index);
    const kept: Entry[] = [old];
    for (let i = 0; i < 5000; i++) {
      const e = numbered(index);
      if (i % 997 === 0) kept.push(e);
      else index.delete(e);
    }
    for (const e of kept) expect(index.get(`task-${e.id}`)).toBe(e);
    expect([...index.values()]).toEqual(kept);
    expect(kept.map((e) => e.id).slice(0, 3)).toEqual([1, 2, 999]);
    expect(index.get('task-3')).toBeUndefined();
    expect(index.get('task-998')).toBeUndefined();
    expect(index.get('task-5001')).toBeUndefined();
    // New entries still come in and are found beside the old ones.
    const fresh = numbered(index);
    expect(fresh.id).toBe(5002);
    expect(index.get('task-5002')).toBe(fresh);
    // The old ones can be deleted (out of order) after all that.
    index.delete(old);
    expect(index.get('task-1')).toBeUndefined();
    index.delete(kept[3]!);
    expect(index.get(`task-${kept[3]!.id}`)).toBeUndefined();
    expect([...index.values()]).toEqual([...kept.filter((e) => e !== old && e !== kept[3]), fresh]);
    for (const e of [...index.values()]) index.delete(e);
    expect([...index.values()]).toEqual([]);
    expect(index.get('task-5002')).toBeUndefined();
  });

  describe('agrees with a plain Map over random sequences', () => {
    type Op =
      | { kind: 'named'; key: string }
      /** A named key `task-<next + offset>`: claims a number not generated yet. */
      | { kind: 'namedAhead'; offset: number }
      | { kind: 'numbered'; count: number }
      /** Deletes the remembered entry at position `at` (mod count) of the model's insertion order. */
      | { kind: 'delete'; at: number }
      /** Deletes an entry that is already forgotten (no effect). */
      | { kind: 'deleteStale'; at: number }
      /** Adds `count` numbered entries, deleting most of them as it goes; keeps every `keepEvery`-th one. */
      | { kind: 'churn'; count: number; keepEvery: number; lag: number };

    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('named' as const),
          key: fc.oneof(
            fc.constantFrom('a', 'b', 'c', 'd', 'task-01', 'task-0', 'task-x'),
            fc.integer({ min: 1, max: 40 }).map((n) => `task-${n}`),
          ),
        }),
        weight: 3,
      },
      { arbitrary: fc.record({ kind: fc.constant('namedAhead' as const), offset: fc.nat(6) }), weight: 2 },
      {
        arbitrary: fc.record({
          kind: fc.constant('numbered' as const),
          count: fc.integer({ min: 1, max: 8 }),
        }),
        weight: 5,
      },
      { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }), weight: 5 },
      { arbitrary: fc.record({ kind: fc.constant('deleteStale' as const), at: fc.nat() }), weight: 1 },
      {
        arbitrary: fc.record({
          kind: fc.constant('churn' as const),
          count: fc.integer({ min: 1, max: 2500 }),
          keepEvery: fc.oneof(fc.constant(0), fc.integer({ min: 2, max: 600 })),
          lag: fc.integer({ min: 0, max: 40 }),
        }),
        weight: 1,
      },
    );

    /** The index under test beside its model, checked by `check`. */
    class Harness {
      readonly index = new KeyIndex<Entry>();
      readonly model = new Map<string, Entry>();
      /** Every entry ever added (to probe forgotten keys). */
      readonly forgotten: Entry[] = [];
      /** Highest number generated so far. */
      last = 0;
      /** Numbers a named key `task-<n>` claimed while above `last`. */
      readonly claimed = new Set<number>();
      /** An entry random deletes leave alone (until the end). */
      pinned: Entry | undefined;

      expectedNext(after = 0): number {
        let n = Math.max(this.last, after) + 1;
        while (this.claimed.has(n)) n++;
        return n;
      }

      addNamed(key: string): void {
        if (this.model.has(key)) {
          expect(this.index.has(key), key).toBe(true);
          return; // the scheduler refuses a duplicate key
        }
        expect(this.index.has(key), key).toBe(false);
        const e = new Entry(key, 0);
        this.index.addNamed(key, e);
        this.model.set(key, e);
        const n = generatedNumber(key);
        if (n > this.last) this.claimed.add(n);
      }

      /** Numbers and adds `count` entries as a batch (like `addAll`). */
      addNumbered(count: number): Entry[] {
        const ids: number[] = [];
        let after = 0;
        for (let i = 0; i < count; i++) {
          const n = this.index.nextNumber(after);
          expect(n).toBe(this.expectedNext(after));
          expect(this.model.has(`task-${n}`), `generated task-${n} collides`).toBe(false);
          ids.push(n);
          after = n;
        }
        const added: Entry[] = [];
        for (const n of ids) {
          const e = new Entry(undefined, n);
          this.index.addNumbered(e);
          this.model.set(e.key, e);
          this.last = n;
          for (const c of this.claimed) if (c <= n) this.claimed.delete(c);
          added.push(e);
        }
        return added;
      }

      delete(e: Entry): void {
        this.index.delete(e);
        if (this.model.get(e.key) === e) this.model.delete(e.key);
        this.forgotten.push(e);
        if (this.forgotten.length > 64) this.forgotten.splice(0, 32);
      }

      /** get/has/values agree with the model; forgotten keys are not found (unless taken again). */
      check(): void {
        const { index, model } = this;
        for (const [key, e] of model) {
          expect(index.get(key), key).toBe(e);
          expect(index.has(key), key).toBe(true);
        }
        for (const e of this.forgotten) {
          const now = model.get(e.key);
          expect(index.get(e.key), e.key).toBe(now);
          expect(index.has(e.key), e.key).toBe(now !== undefined);
        }
        const values = [...index.values()];
        expect(values.length).toBe(model.size);
        expect(new Set(values).size).toBe(values.length);
        for (const e of values) expect(model.get(e.key)).toBe(e);
        expect(index.nextNumber()).toBe(this.expectedNext());
      }
    }

    /** Runs `ops`; with `pin`, the first entry numbered stays remembered until the end. */
    function run(ops: readonly Op[], pin = false): void {
      const h = new Harness();
      if (pin) {
        h.pinned = h.addNumbered(1)[0];
        h.check();
      }
      for (const op of ops) {
        switch (op.kind) {
          case 'named':
            h.addNamed(op.key);
            break;
          case 'namedAhead':
            h.addNamed(`task-${h.expectedNext() + op.offset}`);
            break;
          case 'numbered':
            h.addNumbered(op.count);
            break;
          case 'delete': {
            const entries = [...h.model.values()].filter((e) => e !== h.pinned);
            if (entries.length > 0) h.delete(entries[op.at % entries.length]!);
            break;
          }
          case 'deleteStale': {
            const e = h.forgotten[op.at % Math.max(1, h.forgotten.length)];
            if (e !== undefined) {
              h.index.delete(e);
              if (h.model.get(e.key) === e) h.model.delete(e.key);
            }
            break;
          }
          case 'churn': {
            // Entries come and go a few at a time (`lag` behind), with some kept for good.
            const pending: Entry[] = [];
            for (let i = 0; i < op.count; i++) {
              const [e] = h.addNumbered(1);
              if (op.keepEvery > 0 && i % op.keepEvery === 0) continue;
              pending.push(e!);
              if (pending.length > op.lag) {
                const gone = pending.splice(i % pending.length, 1)[0]!;
                h.delete(gone);
                expect(h.index.get(gone.key)).toBeUndefined();
              }
            }
            for (const e of pending.reverse()) h.delete(e);
            break;
          }
        }
        h.check();
      }
      // Forgetting everything, in a shuffled order, empties the index.
      const rest = [...h.model.values()];
      for (let i = 0; i < rest.length; i++) h.delete(rest[(i * 7919) % rest.length]!);
      for (const e of rest) h.delete(e);
      h.check();
      expect([...h.index.values()]).toEqual([]);
    }

    it('random add-named / add-numbered / delete sequences', () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => run(ops)),
        { numRuns: 150 },
      );
    });

    it('one very old entry kept while thousands of newer ones come and go (window trimming and spill)', () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 12 }),
          fc.array(
            fc.record({
              kind: fc.constant('churn' as const),
              count: fc.integer({ min: 1025, max: 4000 }),
              keepEvery: fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 3000 })),
              lag: fc.integer({ min: 0, max: 200 }),
            }),
            { minLength: 1, maxLength: 3 },
          ),
          fc.array(opArb, { maxLength: 12 }),
          (before, churns, after) => {
            const ops: Op[] = [...before];
            for (const c of churns) ops.push(c, { kind: 'numbered', count: 2 }, { kind: 'delete', at: 1 });
            run([...ops, ...after], true);
          },
        ),
        { numRuns: 25 },
      );
    });
  });
});
