import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ResourceCapacitySource, Scheduler } from '../../src/index.js';

const noop = async (): Promise<void> => {};

describe('Scheduler options', () => {
  it('needs exactly one of limits and capacity', () => {
    expect(() => new Scheduler({})).toThrow(InvalidOptionError);
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    expect(() => new Scheduler({ limits: { gpu: 1 }, capacity })).toThrow(
      /exactly one of limits and capacity/,
    );
  });

  it('names the bad option', () => {
    const bad = [
      [{ limits: { a: 1 }, order: 'lifo' }, 'order'],
      [{ limits: { a: 1 }, maxBypass: -1 }, 'maxBypass'],
      [{ limits: { a: 1 }, maxBypass: 1.5 }, 'maxBypass'],
      [{ limits: { a: 1 }, maxBypassMs: Number.NaN }, 'maxBypassMs'],
      [{ limits: { a: 1 }, aging: { rate: -1 } }, 'aging.rate'],
      [{ limits: { a: 1 }, aging: { rate: 1, maxBoost: -2 } }, 'aging.maxBoost'],
      [{ limits: { a: 1 }, now: 5 }, 'now'],
      [{ limits: { a: 1 }, keepSettled: -1 }, 'keepSettled'],
    ] as const;
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        new Scheduler(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('ALLOT_INVALID_OPTION');
      expect((error as Error).message).toContain(name);
    }
  });

  it('rejects bad limits and a bad default cost with the capacity codes', () => {
    expect(() => new Scheduler({ limits: { gpu: -1 } })).toThrow(
      expect.objectContaining({ code: 'ALLOT_INVALID_LIMIT' }),
    );
    expect(() => new Scheduler({ limits: { gpu: 1 }, defaultCost: { gpu: 2 } })).toThrow(
      expect.objectContaining({ code: 'ALLOT_COST_EXCEEDS_LIMIT' }),
    );
  });
});

describe('add validation', () => {
  const codeOfThrow = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as { code: string }).code;
    }
    return 'no error';
  };

  it('throws synchronously with the library codes and adds nothing', () => {
    const s = new Scheduler({ limits: { gpu: 2, cpu: 4 } });
    s.add(noop, { key: 'a' });
    expect(codeOfThrow(() => s.add(noop, { cost: { gpu: -1 } }))).toBe('ALLOT_INVALID_COST');
    expect(codeOfThrow(() => s.add(noop, { cost: { tpu: 1 } }))).toBe('ALLOT_UNKNOWN_RESOURCE');
    expect(codeOfThrow(() => s.add(noop, { cost: { gpu: 3 } }))).toBe('ALLOT_COST_EXCEEDS_LIMIT');
    expect(codeOfThrow(() => s.add(noop, { key: 'a' }))).toBe('ALLOT_DUPLICATE_KEY');
    expect(codeOfThrow(() => s.add(noop, { deps: ['nope'] }))).toBe('ALLOT_MISSING_DEPENDENCY');
    expect(codeOfThrow(() => s.add(noop, { priority: Number.NaN }))).toBe('ALLOT_INVALID_OPTION');
    expect(codeOfThrow(() => s.add(noop, { timeoutMs: 0 }))).toBe('ALLOT_INVALID_OPTION');
    expect(codeOfThrow(() => s.add(noop, { queueTimeoutMs: -5 }))).toBe('ALLOT_INVALID_OPTION');
    expect(codeOfThrow(() => s.add(noop, { retry: { attempts: 0 } }))).toBe('ALLOT_INVALID_OPTION');
    expect(codeOfThrow(() => s.add(noop, { retry: { attempts: 2, backoff: { jitter: 2 } } }))).toBe(
      'ALLOT_INVALID_OPTION',
    );
    expect(codeOfThrow(() => s.add('x' as never))).toBe('ALLOT_INVALID_OPTION');
    expect(codeOfThrow(() => s.add(noop, { key: '' }))).toBe('ALLOT_INVALID_OPTION');
    expect(s.stats.queued + s.stats.running + s.stats.completed + s.stats.waiting).toBe(1);
  });

  it('names the task and the resource in the error', () => {
    const s = new Scheduler({ limits: { gpu: 2 } });
    expect(() => s.add(noop, { key: 'render', cost: { gpu: 3 } })).toThrow(
      /render[\s\S]*gpu|gpu[\s\S]*render/,
    );
  });

  it('a cost above a parent limit is refused at add', () => {
    const parent = new ResourceCapacitySource({ gpu: 1 });
    const child = new ResourceCapacitySource({ gpu: 4 }, parent);
    const s = new Scheduler({ capacity: child });
    expect(codeOfThrow(() => s.add(noop, { cost: { gpu: 2 } }))).toBe('ALLOT_COST_EXCEEDS_LIMIT');
  });

  it('addAll is all or nothing, allows any order inside the batch and finds cycles', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    expect(
      codeOfThrow(() =>
        s.addAll([
          { run: noop, key: 'x' },
          { run: noop, key: 'y', cost: { cpu: 9 } },
        ]),
      ),
    ).toBe('ALLOT_COST_EXCEEDS_LIMIT');
    expect(() => s.explain('x')).toThrow(expect.objectContaining({ code: 'ALLOT_UNKNOWN_KEY' }));
    expect(
      codeOfThrow(() =>
        s.addAll([
          { run: noop, key: 'p', deps: ['r'] },
          { run: noop, key: 'q', deps: ['p'] },
          { run: noop, key: 'r', deps: ['q'] },
        ]),
      ),
    ).toBe('ALLOT_CYCLE');
    expect(
      codeOfThrow(() =>
        s.addAll([
          { run: noop, key: 'd' },
          { run: noop, key: 'd' },
        ]),
      ),
    ).toBe('ALLOT_DUPLICATE_KEY');
    const order: string[] = [];
    const hs = s.addAll([
      { run: () => order.push('late'), key: 'late', deps: ['early'] },
      { run: () => order.push('early'), key: 'early' },
    ]);
    expect(hs.map((h) => h.key)).toEqual(['late', 'early']);
    await Promise.all(hs);
    expect(order).toEqual(['early', 'late']);
  });

  it('generates unique keys that skip keys in use', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    s.add(noop, { key: 'task-2' });
    const a = s.add(noop);
    const b = s.add(noop);
    expect([a.key, b.key]).toEqual(['task-1', 'task-3']);
    await s.onIdle();
  });
});
