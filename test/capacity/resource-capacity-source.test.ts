import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import type { ResourceCost } from '../../src/capacity/types.js';
import { InsufficientCapacityError, InvalidCostError, InvalidLimitError } from '../../src/errors/index.js';
import { flushMicrotasks, track } from '../support/async.js';

/** True when `op` left a value in the source's waitObj (it signalled). */
async function signals(src: ResourceCapacitySource, op: () => void): Promise<boolean> {
  op();
  const state = track(src.waitObj.wait());
  await flushMicrotasks();
  return state.settled;
}

describe('ResourceCapacitySource', () => {
  it('a negative limit throws; initially available equals limits', () => {
    expect(() => new ResourceCapacitySource({ gpu: -1 })).toThrow(InvalidLimitError);
    expect(() => new ResourceCapacitySource({ gpu: -1 })).toThrow(RangeError);
    expect(() => new ResourceCapacitySource({ gpu: 2, cpu: -3 })).toThrow(/"cpu"/);
    const src = new ResourceCapacitySource({ gpu: 2, cpu: 3 });
    expect(src.available).toEqual({ gpu: 2, cpu: 3 });
    expect(src.limits).toEqual({ gpu: 2, cpu: 3 });
  });

  it('available (and limits, inUse) are copies', () => {
    const src = new ResourceCapacitySource({ gpu: 2 });
    (src.available as ResourceCost).gpu = 99;
    (src.limits as ResourceCost).gpu = 99;
    (src.inUse as ResourceCost).gpu = 99;
    expect(src.available).toEqual({ gpu: 2 });
    expect(src.limits).toEqual({ gpu: 2 });
    expect(src.inUse).toEqual({ gpu: 0 });
  });

  it('utilization = (limits - available) / limits, 0 for a zero limit', () => {
    const src = new ResourceCapacitySource({ tokens: 12, none: 0 });
    src.acquireImmediate({ tokens: 10 });
    expect(src.utilization.tokens).toBeCloseTo(0.8333, 4);
    expect(src.utilization.none).toBe(0);
    src.setLimits({ tokens: 5 }); // in use above the limit: clamped to 1
    expect(src.utilization.tokens).toBe(1);
  });

  it('canAcquire is true only if all keys fit locally and up the parent chain', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, cpu: 4 });
    const child = new ResourceCapacitySource({ gpu: 2, cpu: 8 }, parent);
    expect(child.canAcquire({ gpu: 2, cpu: 4 })).toBe(true);
    expect(child.canAcquire({ gpu: 3, cpu: 1 })).toBe(false); // local gpu
    expect(child.canAcquire({ gpu: 1, cpu: 5 })).toBe(false); // parent cpu
  });

  it('{cpu:8,gpu:2,memory_gb:32}: acquire {cpu:4,gpu:1}, then {cpu:4,gpu:2} no longer fits', () => {
    const src = new ResourceCapacitySource({ cpu: 8, gpu: 2, memory_gb: 32 });
    expect(src.canAcquire({ cpu: 4, gpu: 1 })).toBe(true);
    src.acquireImmediate({ cpu: 4, gpu: 1 });
    expect(src.canAcquire({ cpu: 4, gpu: 2 })).toBe(false);
  });

  it('keys not tracked locally are ignored locally but checked against the parent', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, memory_gb: 8 });
    const child = new ResourceCapacitySource({ gpu: 2 }, parent);
    expect(child.canAcquire({ gpu: 1, memory_gb: 8 })).toBe(true);
    expect(child.canAcquire({ gpu: 1, memory_gb: 9 })).toBe(false);
    const orphan = new ResourceCapacitySource({ gpu: 2 });
    expect(orphan.canAcquire({ gpu: 1, anything: 1e9 })).toBe(true);
  });

  it('canAcquire is false for any negative (or otherwise invalid) amount', () => {
    const src = new ResourceCapacitySource({ gpu: 4 });
    expect(src.canAcquire({ gpu: -1 })).toBe(false);
    expect(src.canAcquire({ gpu: 1, other: -1 })).toBe(false);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e-7])
      expect(src.canAcquire({ gpu: bad })).toBe(false);
    expect(src.canAcquire({ gpu: '3' as unknown as number })).toBe(false);
  });

  it('{gpu:8,memory_gb:32}: acquire {gpu:2,memory_gb:8} leaves {6,24}; release restores', () => {
    const src = new ResourceCapacitySource({ gpu: 8, memory_gb: 32 });
    src.acquireImmediate({ gpu: 2, memory_gb: 8 });
    expect(src.available).toEqual({ gpu: 6, memory_gb: 24 });
    src.release({ gpu: 2, memory_gb: 8 });
    expect(src.available).toEqual({ gpu: 8, memory_gb: 32 });
  });

  it('acquireImmediate throws when any resource is insufficient, changing nothing', () => {
    const src = new ResourceCapacitySource({ gpu: 2, cpu: 2 });
    const err = (() => {
      try {
        src.acquireImmediate({ gpu: 1, cpu: 3 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InsufficientCapacityError);
    expect(err).toMatchObject({ resource: 'cpu', requested: 3, available: 2, level: 0 });
    expect(src.available).toEqual({ gpu: 2, cpu: 2 });
    expect(() => src.acquireImmediate({ gpu: -1 })).toThrow(InvalidCostError);
  });

  it('global {gpu:16}, team {gpu:8}: acquire 6 → team 2, global 10; team2 cannot take 11', () => {
    const global = new ResourceCapacitySource({ gpu: 16 });
    const team = new ResourceCapacitySource({ gpu: 8 }, global);
    expect(team.canAcquire({ gpu: 6 })).toBe(true);
    team.acquireImmediate({ gpu: 6 });
    expect(team.available).toEqual({ gpu: 2 });
    expect(global.available).toEqual({ gpu: 10 });
    const team2 = new ResourceCapacitySource({ gpu: 12 }, global);
    expect(team2.canAcquire({ gpu: 11 })).toBe(false);
    expect(team2.parent).toBe(global);
  });

  it('a parent refusal inside acquireImmediate rolls back locally and throws naming the resource', () => {
    const parent = new ResourceCapacitySource({ gpu: 1, cpu: 8 });
    const child = new ResourceCapacitySource({ gpu: 4, cpu: 4 }, parent);
    expect(() => child.acquireImmediate({ gpu: 2, cpu: 1 })).toThrow(
      expect.objectContaining({ resource: 'gpu', level: 1 }),
    );
    expect(child.available).toEqual({ gpu: 4, cpu: 4 });
    expect(parent.available).toEqual({ gpu: 1, cpu: 8 });
  });

  it('release never gives back more than was taken, and the parent receives the same release', () => {
    const parent = new ResourceCapacitySource({ gpu: 8 });
    const child = new ResourceCapacitySource({ gpu: 4 }, parent);
    child.acquireImmediate({ gpu: 2 });
    child.release({ gpu: 3 });
    expect(child.available).toEqual({ gpu: 4 });
    expect(parent.available).toEqual({ gpu: 8 });
    parent.acquireImmediate({ gpu: 5 });
    child.acquireImmediate({ gpu: 1 });
    expect(parent.available).toEqual({ gpu: 2 });
    child.release({ gpu: 1 }); // the parent gets it too
    expect(parent.available).toEqual({ gpu: 3 });
    // Nothing is outstanding through the child: the parent's own acquisition stays held.
    child.release({ gpu: 100, unknown: 1 });
    expect(child.available).toEqual({ gpu: 4 });
    expect(parent.available).toEqual({ gpu: 3 });
    parent.release({ gpu: 5 });
    expect(parent.available).toEqual({ gpu: 8 });
    expect(() => child.release({ gpu: -1 })).toThrow(InvalidCostError);
  });

  it('release, setLimits, reset, increment and reconcile signal waitObj; acquiring does not', async () => {
    const fresh = () => {
      const s = new ResourceCapacitySource({ gpu: 4 });
      s.acquireImmediate({ gpu: 2 });
      return s;
    };
    let s = fresh();
    expect(await signals(s, () => s.release({ gpu: 1 }))).toBe(true);
    s = fresh();
    expect(await signals(s, () => s.setLimits({ gpu: 5 }))).toBe(true);
    s = fresh();
    expect(await signals(s, () => s.reset())).toBe(true);
    s = fresh();
    expect(await signals(s, () => s.increment({ gpu: 1 }))).toBe(true);
    s = fresh();
    expect(await signals(s, () => s.reconcile({ gpu: 2 }, { gpu: 1 }))).toBe(true);
    s = new ResourceCapacitySource({ gpu: 4 });
    expect(await signals(s, () => s.acquireImmediate({ gpu: 1 }))).toBe(false);
    s = new ResourceCapacitySource({ gpu: 4 });
    expect(await signals(s, () => s.tryAcquire({ gpu: 1 }))).toBe(false);
    expect(await signals(s, () => s.canAcquire({ gpu: 1 }))).toBe(false);
  });

  it('reset() refills to limits; reset(l) is setLimits(l) then available = the new limits', () => {
    const src = new ResourceCapacitySource({ gpu: 4, cpu: 4 });
    src.acquireImmediate({ gpu: 3, cpu: 1 });
    src.reset();
    expect(src.available).toEqual({ gpu: 4, cpu: 4 });
    src.acquireImmediate({ gpu: 3 });
    src.reset({ gpu: 6, mem: 2 });
    expect(src.limits).toEqual({ gpu: 6, cpu: 4, mem: 2 });
    expect(src.available).toEqual({ gpu: 6, cpu: 4, mem: 2 });
    expect(src.inUse).toEqual({ gpu: 0, cpu: 0, mem: 0 });
  });

  it('increment adds, caps at cap ?? limits, and ignores keys not tracked locally', () => {
    const src = new ResourceCapacitySource({ tokens: 10, other: 5 });
    src.acquireImmediate({ tokens: 8, other: 5 });
    src.increment({ tokens: 3, untracked: 4 });
    expect(src.available).toEqual({ tokens: 5, other: 0 });
    expect(src.limits).toEqual({ tokens: 10, other: 5 });
    src.increment({ tokens: 100 });
    expect(src.available.tokens).toBe(10);
    src.acquireImmediate({ tokens: 10 });
    src.increment({ tokens: 5 }, { tokens: 3 });
    expect(src.available.tokens).toBe(3);
    src.increment({ other: 2 }, { tokens: 1 }); // no cap given for `other`: its limit applies
    expect(src.available.other).toBe(2);
    expect(() => src.increment({ tokens: -1 })).toThrow(InvalidCostError);
  });

  it('setLimits raises/lowers by the delta (clamped at 0), allows partial updates and new keys, throws on negatives', () => {
    const src = new ResourceCapacitySource({ gpu: 12, cpu: 4 });
    src.acquireImmediate({ gpu: 9 });
    src.setLimits({ gpu: 15 });
    expect(src.available).toEqual({ gpu: 6, cpu: 4 }); // +3
    src.setLimits({ gpu: 13 });
    expect(src.available.gpu).toBe(4); // -2
    src.setLimits({ gpu: 5 });
    expect(src.available.gpu).toBe(0); // clamped
    src.setLimits({ mem: 32 });
    expect(src.limits).toEqual({ gpu: 5, cpu: 4, mem: 32 });
    expect(src.available).toEqual({ gpu: 0, cpu: 4, mem: 32 });
    expect(() => src.setLimits({ cpu: 8, gpu: -1 })).toThrow(InvalidLimitError);
    expect(src.limits).toEqual({ gpu: 5, cpu: 4, mem: 32 }); // nothing changed
  });

  it('after lowering a limit, in-flight releases clamp to the new ceiling', () => {
    const src = new ResourceCapacitySource({ gpu: 8 });
    src.acquireImmediate({ gpu: 6 });
    src.setLimits({ gpu: 4 });
    expect(src.available.gpu).toBe(0);
    src.release({ gpu: 6 });
    expect(src.available.gpu).toBe(4);
  });

  it('tryAcquire is all-or-nothing; a negative cost is rejected with invalid_cost', () => {
    const parent = new ResourceCapacitySource({ gpu: 2 });
    const src = new ResourceCapacitySource({ gpu: 4, cpu: 4 }, parent);
    const r = src.tryAcquire({ gpu: 3, cpu: 1 });
    expect(r).toEqual({
      ok: false,
      requested: { gpu: 3, cpu: 1 },
      available: { gpu: 4, cpu: 4 },
      reason: 'insufficient_capacity',
      shortfall: { resource: 'gpu', level: 1, requested: 3, available: 2 },
    });
    expect(src.available).toEqual({ gpu: 4, cpu: 4 });
    expect(parent.available).toEqual({ gpu: 2 });
    expect(src.tryAcquire({ gpu: 1, cpu: -1 })).toMatchObject({ ok: false, reason: 'invalid_cost' });
    expect(src.available).toEqual({ gpu: 4, cpu: 4 });
    expect(src.tryAcquire({ gpu: 2, cpu: 1 })).toEqual({
      ok: true,
      requested: { gpu: 2, cpu: 1 },
      availableAfter: { gpu: 2, cpu: 3 },
    });
    expect(parent.available).toEqual({ gpu: 0 });
  });

  it('reconcile {tokens:10000}: 300 → 9700; reconcile(300, 220) → 9780; release(220) → 10000', () => {
    const src = new ResourceCapacitySource({ tokens: 10_000 });
    expect(src.tryAcquire({ tokens: 300 }).ok).toBe(true);
    expect(src.available.tokens).toBe(9_700);
    src.reconcile({ tokens: 300 }, { tokens: 220 });
    expect(src.available.tokens).toBe(9_780);
    src.release({ tokens: 220 });
    expect(src.available.tokens).toBe(10_000);
  });

  it('reconcile deducts a deficit (clamped at 0), propagates to the parent and signals', async () => {
    const parent = new ResourceCapacitySource({ tokens: 1_000 });
    const src = new ResourceCapacitySource({ tokens: 100 }, parent);
    src.acquireImmediate({ tokens: 90 });
    expect(await signals(src, () => src.reconcile({ tokens: 90 }, { tokens: 150 }))).toBe(true);
    expect(src.available.tokens).toBe(0);
    expect(parent.available.tokens).toBe(850);
    src.release({ tokens: 150 }); // the actual amount balances
    expect(src.available.tokens).toBe(100);
    expect(parent.available.tokens).toBe(1_000);
    expect(() => src.reconcile({ tokens: -1 }, {})).toThrow(InvalidCostError);
  });

  it('validateCost is false iff some key exceeds its total limit, up the chain', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, mem: 16 });
    const src = new ResourceCapacitySource({ gpu: 8 }, parent);
    src.acquireImmediate({ gpu: 4 }); // current use does not matter
    expect(src.validateCost({ gpu: 4, mem: 16 })).toBe(true);
    expect(src.validateCost({ gpu: 5 })).toBe(false); // parent's limit
    expect(src.validateCost({ mem: 17 })).toBe(false);
    expect(src.validateCost({ unknown: 1e9 })).toBe(true);
    expect(src.validateCost({ gpu: -1 })).toBe(false);
  });

  it('peek returns the budget when every key is > 0, undefined if any is 0, per-key minimum with a parent', () => {
    const parent = new ResourceCapacitySource({ gpu: 3, mem: 8 });
    const src = new ResourceCapacitySource({ gpu: 5, cpu: 2 }, parent);
    expect(src.peek()).toEqual({ gpu: 3, cpu: 2, mem: 8 });
    const snapshot = src.peek()!;
    snapshot.gpu = 0;
    expect(src.peek()?.gpu).toBe(3); // a new object each time
    src.acquireImmediate({ cpu: 2 });
    expect(src.peek()).toBeUndefined();
    src.release({ cpu: 2 });
    parent.acquireImmediate({ mem: 8 });
    expect(src.peek()).toBeUndefined();
  });

  it('reserve pattern: {slots:6} minus 3 reserved leaves 3; releasing one raises concurrency by 1', () => {
    const src = new ResourceCapacitySource({ slots: 6 });
    src.acquireImmediate({ slots: 3 });
    expect(src.available).toEqual({ slots: 3 });
    src.release({ slots: 1 });
    expect(src.available).toEqual({ slots: 4 });
    let taken = 0;
    while (src.tryAcquire({ slots: 1 }).ok) taken++;
    expect(taken).toBe(4);
  });
});
