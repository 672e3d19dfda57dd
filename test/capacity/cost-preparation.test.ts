import { describe, expect, it } from 'vitest';
import { chainOf } from '../../src/capacity/chain-access.js';
import { compileCost } from '../../src/capacity/compiled-cost.js';
import { CostCache } from '../../src/capacity/cost-cache.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { CostExceedsLimitError, InvalidCostError, UnknownResourceError } from '../../src/errors/index.js';
import { ResourceGate } from '../../src/runner/resource-gate.js';

describe('compiling a cost', () => {
  it('keeps the keys in order and the amounts exact, and exposes a frozen copy', () => {
    const r = compileCost({ gpu: 2, mem: 0.5 });
    if (!r.ok) throw new Error('valid');
    expect(r.compiled.keys).toEqual(['gpu', 'mem']);
    expect(r.compiled.cost).toEqual({ gpu: 2, mem: 0.5 });
    expect(Object.isFrozen(r.compiled.cost)).toBe(true);
  });

  it('reports the first invalid entry', () => {
    expect(compileCost({ gpu: 1, cpu: -1, mem: Number.NaN })).toEqual({
      ok: false,
      resource: 'cpu',
      value: -1,
    });
    expect(compileCost({ x: '3' })).toEqual({ ok: false, resource: 'x', value: '3' });
    expect(compileCost({ x: 1e-7 })).toMatchObject({ ok: false, resource: 'x' });
    expect(compileCost({})).toMatchObject({ ok: true });
  });

  it('refuses inherited enumerable amounts instead of ignoring them, and anything that is not an object', () => {
    expect(compileCost(Object.create({ gpu: 1 }))).toMatchObject({
      ok: false,
      resource: 'gpu',
      problem: 'inherited',
    });
    class Cost {
      cpu = 1;
    }
    expect(compileCost(new Cost())).toMatchObject({ ok: true });
    for (const bad of [null, 3, 'gpu', [1], new Map([['gpu', 1]])])
      expect(compileCost(bad)).toMatchObject({ ok: false, problem: 'not-an-object' });
  });

  it('keeps a resource named __proto__ as a resource', () => {
    const cost = JSON.parse('{"__proto__": 2, "gpu": 1}') as Record<string, number>;
    const r = compileCost(cost);
    if (!r.ok) throw new Error('valid');
    expect(r.compiled.keys).toEqual(['__proto__', 'gpu']);
    expect(Object.keys(r.compiled.cost)).toEqual(['__proto__', 'gpu']);
    expect(Object.getPrototypeOf(r.compiled.cost)).toBe(Object.prototype);
  });
});

describe('the cost cache (one compiled cost per shape)', () => {
  const cache = () => new CostCache(chainOf(new ResourceCapacitySource({ gpu: 2, cpu: 4 })));

  it('gives equal literals the same prepared cost, without keeping the objects', () => {
    const c = cache();
    const a = c.prepare({ gpu: 1, cpu: 2 });
    expect(c.prepare({ gpu: 1, cpu: 2 })).toBe(a);
    expect(c.prepare({ gpu: 1, cpu: 3 })).not.toBe(a);
    expect(c.prepare({ cpu: 2, gpu: 1 })).not.toBe(a); // key order is part of the shape
  });

  it('never mistakes a non-number or a crafted key for a cached shape', () => {
    const c = cache();
    c.prepare({ gpu: 1 });
    expect(c.prepare({ gpu: '1' })).toMatchObject({ resource: 'gpu', value: '1' });
    const crafted = { 'gpu=1;3:cpu': 2 };
    const plain = c.prepare({ gpu: 1, cpu: 2 });
    expect(c.prepare(crafted)).not.toBe(plain);
  });

  it('compiles objects with another prototype each time, so inherited amounts are always refused', () => {
    const c = cache();
    expect(c.prepare(Object.create({ gpu: 1 }))).toMatchObject({ problem: 'inherited' });
    expect(c.prepare(Object.create({ gpu: 1 }))).toMatchObject({ problem: 'inherited' });
  });
});

describe('the runner gate over a local capacity', () => {
  it('prepare names the task for a malformed cost or an unknown resource; the default cost is exempt', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, mem: 16 });
    const gate = new ResourceGate(new ResourceCapacitySource({ gpu: 8, cpu: 4 }, parent));
    expect(gate.prepare('bad', { gpu: -1 })).toBeInstanceOf(InvalidCostError);
    const unknown = gate.prepare('typo', { gpu: 1, gpus: 1 });
    expect(unknown).toBeInstanceOf(UnknownResourceError);
    expect(unknown).toMatchObject({ taskKey: 'typo', resource: 'gpus', tracked: ['gpu', 'cpu', 'mem'] });
    expect(gate.prepare('none', undefined)).not.toBeInstanceOf(Error);
  });

  it('refusal reports a cost above the ceiling of some level, whatever is in use now', () => {
    const parent = new ResourceCapacitySource({ gpu: 4, mem: 16 });
    const pool = new ResourceCapacitySource({ gpu: 8, cpu: 4 }, parent);
    const gate = new ResourceGate(pool);
    pool.acquireImmediate({ gpu: 4 });
    const fits = gate.prepare('t', { gpu: 4, cpu: 4, mem: 16 });
    if (fits instanceof Error) throw fits;
    expect(gate.refusal('t', fits)).toBeUndefined();
    const big = gate.prepare('big', { cpu: 1, gpu: 5 });
    if (big instanceof Error) throw big;
    const refusal = gate.refusal('big', big);
    expect(refusal).toBeInstanceOf(CostExceedsLimitError);
    expect(refusal).toMatchObject({ taskKey: 'big', resource: 'gpu', requested: 5, limit: 4, level: 1 });
  });

  it('take and release act on the whole chain, all or nothing, and give back exactly what was taken', () => {
    const parent = new ResourceCapacitySource({ gpu: 3, mem: 8 });
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 3 }, parent);
    const gate = new ResourceGate(pool);
    const p = gate.prepare('t', { gpu: 1, cpu: 2, mem: 4 });
    if (p instanceof Error) throw p;
    const held = gate.take(p);
    expect(held).toBeDefined();
    expect(pool.available).toEqual({ gpu: 1, cpu: 1 });
    expect(parent.available).toEqual({ gpu: 2, mem: 4 });
    expect(gate.take(p)).toBeUndefined();
    expect(pool.available).toEqual({ gpu: 1, cpu: 1 });
    parent.setLimits({ cpu: 10 }); // tracked after the take: the release must not give it back there
    gate.release(held!);
    expect(pool.available).toEqual({ gpu: 2, cpu: 3 });
    expect(parent.available).toEqual({ gpu: 3, mem: 8, cpu: 10 });
  });

  it('re-resolves a cached cost when an ancestor starts tracking one of its resources', () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const pool = new ResourceCapacitySource({ gpu: 4, mem: 10 }, parent);
    const gate = new ResourceGate(pool);
    const p = gate.prepare('t', { gpu: 1, mem: 5 });
    if (p instanceof Error) throw p;
    expect(gate.fits(p)).toBe(true);
    parent.setLimits({ mem: 4 });
    expect(gate.fits(p)).toBe(false);
    parent.setLimits({ mem: 5 });
    expect(gate.take(p)).toBeDefined();
    expect(parent.available).toEqual({ gpu: 3, mem: 0 });
  });

  it('zero amounts always fit, even when a resource is in debt', () => {
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 2 });
    pool.acquireImmediate({ gpu: 2 });
    pool.setLimits({ gpu: 1 });
    const gate = new ResourceGate(pool);
    const p = gate.prepare('t', { gpu: 0, cpu: 1 });
    if (p instanceof Error) throw p;
    expect(gate.take(p)).toBeDefined();
  });
});
