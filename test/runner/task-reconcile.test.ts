import { describe, expect, it } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { InvalidCostError, UnknownResourceError } from '../../src/errors/index.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskContext, TaskProgressEnvelope } from '../../src/runner/types.js';
import { RecordingCollector } from '../capacity/helpers.js';
import { collect, deferred } from '../support/async.js';

type Task = ScheduledTask<string, string>;

function run(pool: ResourceCapacitySource, tasks: Task[]): Promise<TaskProgressEnvelope<string, string>[]> {
  return collect(new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks), pool).runTasks(false));
}

describe('a task corrects the cost it holds (ctx.reconcile)', () => {
  it('learning it needs more: the extra is charged while it runs and everything comes back when it ends', async () => {
    const mem = new ResourceCapacitySource({ ramGb: 16 });
    let during: Readonly<Record<string, number>> = {};
    const envelopes = await run(mem, [
      {
        key: 'load',
        cost: { ramGb: 10 },
        runner: async (ctx: TaskContext) => {
          ctx.reconcile({ ramGb: 12 });
          during = mem.available;
          return 'loaded';
        },
      },
    ]);
    expect(envelopes.map((e) => e.type)).toEqual(['FINAL']);
    expect(during).toEqual({ ramGb: 4 });
    expect(mem.available).toEqual({ ramGb: 16 });
    expect(mem.inUse).toEqual({ ramGb: 0 });
  });

  it('learning it needs less: waiting tasks start at once, and real use never exceeds the budget', async () => {
    const mem = new ResourceCapacitySource({ ramGb: 16 });
    let real = 0;
    let peak = 0;
    const use = (gb: number) => {
      real += gb;
      peak = Math.max(peak, real);
    };
    const bigDone = deferred();
    const started: string[] = [];
    const envelopes = await run(mem, [
      {
        key: 'big',
        cost: { ramGb: 10 },
        runner: async (ctx) => {
          started.push('big');
          use(4);
          ctx.reconcile({ ramGb: 4 });
          await bigDone.promise;
          use(-4);
          return 'big';
        },
      },
      {
        key: 'next',
        cost: { ramGb: 12 },
        runner: async () => {
          started.push('next');
          use(12);
          await Promise.resolve();
          use(-12);
          bigDone.resolve();
          return 'next';
        },
      },
    ]);
    expect(started).toEqual(['big', 'next']);
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['FINAL next', 'FINAL big']);
    expect(peak).toBeLessThanOrEqual(16);
    expect(mem.available).toEqual({ ramGb: 16 });
  });

  it('is exact up a hierarchy, including a resource only an ancestor tracks', async () => {
    const cluster = new ResourceCapacitySource({ ramGb: 64, gpu: 4 });
    const team = new ResourceCapacitySource({ ramGb: 16 }, cluster);
    const seen: Array<Readonly<Record<string, number>>> = [];
    await run(team, [
      {
        key: 't',
        cost: { ramGb: 8, gpu: 1 },
        runner: async (ctx) => {
          ctx.reconcile({ ramGb: 12, gpu: 2 });
          seen.push(team.available, cluster.available);
          ctx.reconcile({ ramGb: 2 });
          seen.push(team.available, cluster.available);
          return 'ok';
        },
      },
    ]);
    expect(seen).toEqual([{ ramGb: 4 }, { ramGb: 52, gpu: 2 }, { ramGb: 14 }, { ramGb: 62, gpu: 4 }]);
    expect([team.available, cluster.available]).toEqual([{ ramGb: 16 }, { ramGb: 64, gpu: 4 }]);
  });

  it('a bad correction throws inside the task and changes nothing', async () => {
    const mem = new ResourceCapacitySource({ ramGb: 16 });
    const errors: unknown[] = [];
    await run(mem, [
      {
        key: 't',
        cost: { ramGb: 10 },
        runner: async (ctx) => {
          for (const bad of [{ ramGb: -1 }, { ramGB: 1 }] as Record<string, number>[]) {
            try {
              ctx.reconcile(bad);
            } catch (error) {
              errors.push(error);
            }
          }
          expect(mem.available).toEqual({ ramGb: 6 });
          return 'ok';
        },
      },
    ]);
    expect(errors[0]).toBeInstanceOf(InvalidCostError);
    expect(errors[1]).toBeInstanceOf(UnknownResourceError);
    expect(mem.available).toEqual({ ramGb: 16 });
  });

  it('a correction after the task ended does nothing', async () => {
    const mem = new ResourceCapacitySource({ ramGb: 16 });
    let late: TaskContext | undefined;
    await run(mem, [
      {
        key: 't',
        cost: { ramGb: 10 },
        runner: async (ctx) => {
          late = ctx;
          return 'ok';
        },
      },
    ]);
    late?.reconcile({ ramGb: 15 });
    expect(mem.available).toEqual({ ramGb: 16 });
  });

  it('metrics see the correction, so in-flight figures return to 0', async () => {
    const m = new RecordingCollector();
    const mem = new ResourceCapacitySource({ ramGb: 16 }, undefined, m);
    await run(mem, [
      {
        key: 't',
        cost: { ramGb: 10 },
        runner: async (ctx) => {
          ctx.reconcile({ ramGb: 12 });
          return 'ok';
        },
      },
    ]);
    expect(m.kinds()).toEqual(['setLimits', 'accepted', 'reconcile', 'release']);
    expect(m.inFlight()).toEqual({ ramGb: 0 });
  });

  it('a direct reconcile on the source is an adjustment of its own: it does not change what the task holds', async () => {
    const mem = new ResourceCapacitySource({ ramGb: 16 });
    await run(mem, [
      {
        key: 't',
        cost: { ramGb: 10 },
        runner: async () => {
          mem.reconcile({ ramGb: 10 }, { ramGb: 12 });
          return 'ok';
        },
      },
    ]);
    // The runner gave back the 10 the task held; the 2 added directly stay until released directly.
    expect(mem.available).toEqual({ ramGb: 14 });
    mem.release({ ramGb: 12 });
    expect(mem.available).toEqual({ ramGb: 16 });
  });

  it.each([
    [50, 100], // it used less than it first took: nothing to charge to the new window
    [70, 90], // it used more: only the extra 10 are charged to the new window
  ])(
    'across a quota refill, correcting 60 tokens to %i charges the new window only with the growth',
    async (actual, left) => {
      const quota = new QuotaCapacitySource({ tokens: 100 });
      const pool = new ResourceCapacitySource({ slots: 2 }, quota);
      let seen = -1;
      await run(pool, [
        {
          key: 'chat',
          cost: { slots: 1, tokens: 60 },
          runner: async (ctx) => {
            quota.reset(); // a new window starts while the task runs: its 60 were spent in the old one
            ctx.reconcile({ slots: 1, tokens: actual });
            seen = quota.available.tokens ?? -1;
            return 'ok';
          },
        },
      ]);
      expect(seen).toBe(left);
      expect(pool.available).toEqual({ slots: 2 });
    },
  );
});
