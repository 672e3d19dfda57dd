import { describe, expect, it } from 'vitest';
import { type CompiledCost, compileCost } from '../../src/capacity/compiled-cost.js';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import type { ResourceCost } from '../../src/capacity/types.js';
import { CostExceedsLimitError, UnknownResourceError } from '../../src/errors/index.js';
import { RecordingCollector } from './helpers.js';

function compiled(cost: ResourceCost): CompiledCost {
  const r = compileCost(cost);
  if (!r.ok) throw new Error(`invalid test cost ${r.resource}`);
  return r.compiled;
}

describe('compileCost', () => {
  it('compiles keys and exact amounts once', () => {
    const c = compiled({ gpu: 2, mem: 0.5 });
    expect(c.keys).toEqual(['gpu', 'mem']);
    expect(c.size).toBe(2);
    expect(c.cost).toEqual({ gpu: 2, mem: 0.5 });
    expect(Object.isFrozen(c.cost)).toBe(true);
  });

  it('reports the first invalid entry', () => {
    expect(compileCost({ gpu: 1, cpu: -1, mem: Number.NaN })).toEqual({
      ok: false,
      resource: 'cpu',
      value: -1,
    });
    expect(compileCost({ x: '3' as unknown as number })).toEqual({ ok: false, resource: 'x', value: '3' });
    expect(compileCost({ x: 1e-7 })).toMatchObject({ ok: false, resource: 'x' });
    expect(compileCost({})).toMatchObject({ ok: true });
  });
});

describe('compiled fast paths', () => {
  it('canAcquireCompiled / tryAcquireCompiled / releaseCompiled act like their object forms', () => {
    const parent = new ResourceCapacitySource({ gpu: 3, mem: 8 });
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 3 }, parent);
    const c = compiled({ gpu: 1, cpu: 2, mem: 4 });
    expect(pool.canAcquireCompiled(c)).toBe(true);
    expect(pool.tryAcquireCompiled(c)).toBe(true);
    expect(pool.available).toEqual({ gpu: 1, cpu: 1 });
    expect(parent.available).toEqual({ gpu: 2, mem: 4 });
    expect(pool.canAcquireCompiled(c)).toBe(false);
    expect(pool.tryAcquireCompiled(c)).toBe(false);
    expect(pool.available).toEqual({ gpu: 1, cpu: 1 }); // all-or-nothing
    pool.releaseCompiled(c);
    expect(pool.available).toEqual({ gpu: 2, cpu: 3 });
    expect(parent.available).toEqual({ gpu: 3, mem: 8 });
  });

  it('stays correct when an ancestor starts tracking a resource after the cost was first used', () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const pool = new ResourceCapacitySource({ gpu: 4 }, parent);
    const c = compiled({ gpu: 1, mem: 5 });
    expect(pool.canAcquireCompiled(c)).toBe(true); // mem tracked nowhere yet
    parent.setLimits({ mem: 4 });
    expect(pool.canAcquireCompiled(c)).toBe(false);
    parent.setLimits({ mem: 5 });
    expect(pool.tryAcquireCompiled(c)).toBe(true);
    expect(parent.available).toEqual({ gpu: 3, mem: 0 });
  });

  it('one compiled cost can be used on several sources', () => {
    const a = new ResourceCapacitySource({ gpu: 1 });
    const b = new ResourceCapacitySource({ gpu: 2 });
    const c = compiled({ gpu: 1 });
    expect(a.tryAcquireCompiled(c)).toBe(true);
    expect(b.tryAcquireCompiled(c)).toBe(true);
    expect(a.tryAcquireCompiled(c)).toBe(false);
    expect(b.tryAcquireCompiled(c)).toBe(true);
    a.releaseCompiled(c);
    expect([a.available.gpu, b.available.gpu]).toEqual([1, 0]);
  });

  it('zero amounts always fit, even when a resource is in debt', () => {
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 2 });
    pool.acquireImmediate({ gpu: 2 });
    pool.setLimits({ gpu: 1 });
    expect(pool.tryAcquireCompiled(compiled({ gpu: 0, cpu: 1 }))).toBe(true);
  });

  it('findShortfall names the resource and the level that does not fit', () => {
    const root = new ResourceCapacitySource({ mem: 8 });
    const parent = new ResourceCapacitySource({ gpu: 4 }, root);
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 2 }, parent);
    root.acquireImmediate({ mem: 6 });
    expect(pool.findShortfall(compiled({ gpu: 1, mem: 2 }))).toBeUndefined();
    expect(pool.findShortfall(compiled({ gpu: 3 }))).toEqual({
      resource: 'gpu',
      level: 0,
      requested: 3,
      available: 2,
    });
    expect(pool.findShortfall(compiled({ gpu: 1, mem: 2.5 }))).toEqual({
      resource: 'mem',
      level: 2,
      requested: 2.5,
      available: 2,
    });
  });

  it('checkCompiled reports unknown resources (D9) and costs above a limit up the chain (D12)', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, mem: 16 });
    const pool = new ResourceCapacitySource({ gpu: 8, cpu: 4 }, parent);
    pool.acquireImmediate({ gpu: 4 }); // current use does not matter
    expect(pool.checkCompiled(compiled({ gpu: 4, cpu: 4, mem: 16 }), 't')).toBeUndefined();

    const unknown = pool.checkCompiled(compiled({ gpu: 1, gpus: 1 }), 'typo');
    expect(unknown).toBeInstanceOf(UnknownResourceError);
    expect(unknown).toMatchObject({ taskKey: 'typo', resource: 'gpus', tracked: ['gpu', 'cpu', 'mem'] });

    const tooBig = pool.checkCompiled(compiled({ cpu: 1, gpu: 5 }), 'big');
    expect(tooBig).toBeInstanceOf(CostExceedsLimitError);
    expect(tooBig).toMatchObject({ taskKey: 'big', resource: 'gpu', requested: 5, limit: 4, level: 1 });
    expect(pool.checkCompiled(compiled({ cpu: 4.000001 }), 'c')).toMatchObject({ resource: 'cpu', level: 0 });
  });

  it('tracks reports only this level', () => {
    const parent = new ResourceCapacitySource({ mem: 1 });
    const pool = new ResourceCapacitySource({ gpu: 1 }, parent);
    expect([pool.tracks('gpu'), pool.tracks('mem'), parent.tracks('mem')]).toEqual([true, false, true]);
  });
});

describe('metrics emission (D6)', () => {
  it('emits onSetLimits once at construction and nothing for canAcquire / acquireImmediate', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, m);
    expect(m.events).toEqual([
      ['setLimits', expect.objectContaining({ limitsBefore: {}, limitsAfter: { gpu: 2 } })],
    ]);
    pool.canAcquire({ gpu: 1 });
    pool.canAcquireCompiled(compiled({ gpu: 1 }));
    pool.acquireImmediate({ gpu: 1 });
    expect(m.kinds()).toEqual(['setLimits']);
  });

  it('tryAcquire / tryAcquireCompiled emit accepted and rejected events with the documented payloads', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, m);
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquireCompiled(compiled({ gpu: 1 }));
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquire({ gpu: -1 });
    expect(m.kinds()).toEqual(['setLimits', 'accepted', 'accepted', 'rejected', 'rejected']);
    expect(m.events[1]?.[1]).toMatchObject({ requested: { gpu: 1 }, availableAfter: { gpu: 1 } });
    expect(m.events[3]?.[1]).toMatchObject({
      requested: { gpu: 1 },
      available: { gpu: 0 },
      reason: 'insufficient_capacity',
    });
    expect(m.events[4]?.[1]).toMatchObject({ reason: 'invalid_cost' });
    for (const [, e] of m.events) expect(typeof e.atMs).toBe('number');
  });

  it('a parent collector sees the accepted event of a child acquisition and the propagated release', () => {
    const pm = new RecordingCollector();
    const cm = new RecordingCollector();
    const parent = new ResourceCapacitySource({ gpu: 4 }, undefined, pm);
    const child = new ResourceCapacitySource({ gpu: 2 }, parent, cm);
    const c = compiled({ gpu: 2 });
    expect(child.tryAcquireCompiled(c)).toBe(true);
    expect(child.tryAcquire({ gpu: 1 }).ok).toBe(false); // rejected: only the child's collector hears it
    child.releaseCompiled(c);
    expect(child.tryAcquire({ gpu: 1 }).ok).toBe(true);
    child.release({ gpu: 1 });
    expect(pm.kinds()).toEqual(['setLimits', 'accepted', 'release', 'accepted', 'release']);
    expect(cm.kinds()).toEqual(['setLimits', 'accepted', 'rejected', 'release', 'accepted', 'release']);
    expect(pm.inFlight()).toEqual({ gpu: 0 });
    expect(cm.inFlight()).toEqual({ gpu: 0 });
    expect(pm.events[1]?.[1]).toMatchObject({ availableAfter: { gpu: 2 } });
  });

  it('a quota ancestor balances too: it hears the release that it ignores', () => {
    const qm = new RecordingCollector();
    const quota = new QuotaCapacitySource({ r: 3 }, undefined, qm);
    const pool = new ResourceCapacitySource({ r: 1 }, quota);
    const c = compiled({ r: 1 });
    expect(pool.tryAcquireCompiled(c)).toBe(true);
    pool.releaseCompiled(c);
    expect(qm.kinds()).toEqual(['setLimits', 'accepted', 'release']);
    expect(qm.inFlight()).toEqual({ r: 0 });
    expect(quota.available).toEqual({ r: 2 });
  });

  it('reset, increment and setLimits emit their events', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 4 }, undefined, m);
    pool.acquireImmediate({ gpu: 3 });
    pool.setLimits({ gpu: 6 });
    pool.increment({ gpu: 1 });
    pool.reset();
    expect(m.kinds()).toEqual(['setLimits', 'setLimits', 'increment', 'reset']);
    expect(m.events[1]?.[1]).toMatchObject({
      limitsBefore: { gpu: 4 },
      limitsAfter: { gpu: 6 },
      availableAfter: { gpu: 3 },
    });
    expect(m.events[2]?.[1]).toMatchObject({ incrementBy: { gpu: 1 }, availableAfter: { gpu: 4 } });
    expect(m.events[3]?.[1]).toMatchObject({ limitsAfter: { gpu: 6 }, availableAfter: { gpu: 6 } });
  });
});
