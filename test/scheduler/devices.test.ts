import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DefaultCapacityMetricsCollector,
  OverReleaseError,
  ResourceCapacitySource,
  Scheduler,
} from '../../src/index.js';
import { deferred, outcome, settle } from './helpers.js';

const GPUS = ['0', '1', '2', '3'];

describe('device ids', () => {
  it('each running task gets distinct ids, lowest first; ids come back when it ends, however it ends', async () => {
    const s = new Scheduler({ limits: { cpu: 8 }, devices: { gpu: GPUS } });
    expect(s.stats.limits).toEqual({ cpu: 8, gpu: 4 });
    const a = deferred();
    const seen: Record<string, readonly string[] | undefined> = {};
    const ha = s.add(
      (ctx) => {
        seen.a = ctx.devices.gpu;
        return a.promise;
      },
      { key: 'a', cost: { gpu: 2 } },
    );
    const hb = s.add(
      (ctx) => {
        seen.b = ctx.devices.gpu;
        return new Promise(() => {});
      },
      { key: 'b', cost: { gpu: 1, cpu: 1 } },
    );
    s.add(
      (ctx) => {
        seen.c = ctx.devices.gpu;
        expect(ctx.devices).toEqual({});
      },
      { key: 'c', cost: { cpu: 1 } },
    );
    await settle();
    expect(seen).toEqual({ a: ['0', '1'], b: ['2'], c: undefined });
    hb.cancel(); // cancelled, but its function never settles: it keeps id 2 (and its capacity)
    a.reject(new Error('boom')); // a fails: ids 0 and 1 come back
    expect((await outcome(ha)).ok).toBe(false);
    expect(await s.add((ctx) => ctx.devices.gpu, { key: 'd', cost: { gpu: 3 } })).toEqual(['0', '1', '3']);
    expect(s.stats.releasing).toBe(1);
  });

  it('a fractional amount of an indexed resource, or limits that disagree with the ids, throw', () => {
    const s = new Scheduler({ limits: { cpu: 1 }, devices: { gpu: GPUS } });
    expect(() => s.add(() => 1, { key: 'x', cost: { gpu: 0.5 } })).toThrow(
      /cost\.gpu of task "x".*whole number/,
    );
    expect(() => new Scheduler({ limits: { gpu: 2 }, devices: { gpu: GPUS } })).toThrow(/limits\.gpu/);
    expect(() => new Scheduler({ limits: { cpu: 1 }, devices: { gpu: ['0', '0'] } })).toThrow(/devices\.gpu/);
    const shared = new ResourceCapacitySource({ gpu: 3 });
    expect(() => new Scheduler({ capacity: shared, devices: { gpu: GPUS } })).toThrow(/devices\.gpu/);
  });

  it('property: no id is ever held by two running tasks, and all come back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ gpus: fc.integer({ min: 0, max: 3 }), releaseOne: fc.boolean(), ends: fc.nat(20) }),
          { minLength: 1, maxLength: 25 },
        ),
        async (specs) => {
          const s = new Scheduler({ limits: { cpu: 2 }, devices: { gpu: GPUS } });
          const holder = new Map<string, string>();
          const problems: string[] = [];
          const handles = specs.map((spec, i) =>
            s.add(
              async (ctx) => {
                const key = `t${i}`;
                const mine = [...(ctx.devices.gpu ?? [])];
                if (mine.length !== spec.gpus)
                  problems.push(`${key} got ${mine.length} ids for ${spec.gpus}`);
                for (const id of mine) {
                  const other = holder.get(id);
                  if (other !== undefined) problems.push(`${id} held by ${other} and ${key}`);
                  holder.set(id, key);
                }
                await settle();
                if (spec.releaseOne && mine.length > 0) {
                  const id = mine.pop() as string;
                  holder.delete(id); // before giving it back: a waiter may start at once
                  ctx.release({ gpu: [id] });
                }
                for (let k = 0; k < spec.ends % 3; k++) await settle();
                for (const id of mine) holder.delete(id);
              },
              { key: `t${i}`, cost: { gpu: spec.gpus, cpu: spec.ends % 2 } },
            ),
          );
          await Promise.all(handles);
          await s.onIdle();
          expect(problems).toEqual([]);
          expect(s.stats.inUse).toEqual({ cpu: 0, gpu: 0 });
          const all = await s.add((ctx) => ctx.devices.gpu, { cost: { gpu: 4 } });
          expect(all).toEqual(GPUS);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('partial release', () => {
  it('gives back part at once: a waiting task starts while the releaser still runs; the end gives back the rest', async () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const capacity = new ResourceCapacitySource({ cpu: 4, mem: 8 }, undefined, metrics);
    const s = new Scheduler({ capacity });
    const finish = deferred();
    const started: string[] = [];
    s.on('start', ({ key }) => started.push(key));
    s.add(
      async (ctx) => {
        await settle();
        ctx.release({ cpu: 3 }); // decoding done: keep one cpu and the memory
        await finish.promise;
      },
      { key: 'big', cost: { cpu: 4, mem: 2 } },
    );
    const small = s.add(() => 'ran', { key: 'small', cost: { cpu: 3 } });
    expect(await small).toBe('ran');
    expect(started).toEqual(['big', 'small']);
    expect(s.stats.inUse).toEqual({ cpu: 1, mem: 2 });
    expect(metrics.snapshot().inFlightByResource).toMatchObject({ cpu: 1, mem: 2 });
    finish.resolve();
    await s.onIdle();
    expect(s.stats.inUse).toEqual({ cpu: 0, mem: 0 });
    expect(metrics.snapshot().inFlightByResource).toMatchObject({ cpu: 0, mem: 0 });
  });

  it('over-release throws OverReleaseError naming the task and resource, and changes nothing', async () => {
    const s = new Scheduler({ limits: { cpu: 4, mem: 8 }, devices: { gpu: GPUS } });
    const errors: unknown[] = [];
    const h = s.add(
      (ctx) => {
        for (const part of [{ cpu: 3 }, { mem: 1 }, { gpu: ['3'] }, { gpu: 3 }, { cpu: 1, gpu: ['9'] }]) {
          try {
            ctx.release(part);
          } catch (e) {
            errors.push(e);
          }
        }
        const inUse = { ...s.stats.inUse };
        ctx.release({ gpu: 1 }); // a number: the most recently assigned id ('1')
        return { inUse, left: ctx.devices.gpu, after: { ...s.stats.inUse } };
      },
      { key: 'job', cost: { cpu: 2, gpu: 2 } },
    );
    const r = await h;
    expect(errors).toHaveLength(5);
    for (const e of errors) expect(e).toBeInstanceOf(OverReleaseError);
    expect((errors[0] as OverReleaseError).message).toContain('"job"');
    expect((errors[0] as OverReleaseError).resource).toBe('cpu');
    expect(r.inUse).toEqual({ cpu: 2, mem: 0, gpu: 2 }); // nothing was released by the failed calls
    expect(r.left).toEqual(['0']);
    expect(r.after).toEqual({ cpu: 2, mem: 0, gpu: 1 });
    await s.onIdle();
    expect(s.stats.inUse).toEqual({ cpu: 0, mem: 0, gpu: 0 });
  });
});
