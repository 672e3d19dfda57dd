import { describe, expect, it } from 'vitest';
import {
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  Scheduler,
  SourceBufferObj,
} from '../../src/index.js';
import { deferred, settle } from './helpers.js';

/** Records how much of each resource is held at once, from inside the tasks, and the worst seen. */
class Ledger {
  readonly held: Record<string, number> = {};
  readonly peak: Record<string, number> = {};
  take(cost: Record<string, number>): void {
    for (const [r, n] of Object.entries(cost)) {
      this.held[r] = (this.held[r] ?? 0) + n;
      this.peak[r] = Math.max(this.peak[r] ?? 0, this.held[r] as number);
    }
  }
  give(cost: Record<string, number>): void {
    for (const [r, n] of Object.entries(cost)) this.held[r] = (this.held[r] ?? 0) - n;
  }
}

describe('a scheduler and a runner share one budget', () => {
  it('on the same capacity: together they never exceed it, and each wakes when the other releases', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 2, cpu: 4 });
    const ledger = new Ledger();
    const s = new Scheduler({ capacity });
    const gate = deferred();
    const job = (cost: Record<string, number>, ms: number) => async () => {
      ledger.take(cost);
      await gate.promise; // nothing finishes until both sides have queued their work
      await new Promise((r) => setTimeout(r, ms));
      ledger.give(cost);
      return 'ok';
    };
    const costs = [{ gpu: 2, cpu: 1 }, { gpu: 1, cpu: 2 }, { cpu: 3 }, { gpu: 1, cpu: 1 }];
    const handles = Array.from({ length: 12 }, (_, i) => {
      const cost = costs[i % costs.length] as Record<string, number>;
      return s.add(job(cost, 1 + (i % 3)), { key: `s${i}`, cost });
    });
    const tasks: ScheduledTask<string, string>[] = Array.from({ length: 12 }, (_, i) => {
      const cost = costs[(i + 1) % costs.length] as Record<string, number>;
      return { key: `r${i}`, cost, runner: job(cost, 1 + (i % 2)) };
    });
    const runner = new ScheduledTaskPoolRunner('shared', new SourceBufferObj(tasks), capacity);
    const results: string[] = [];
    const run = (async () => {
      for await (const e of runner.runTasks(false)) if (e.type === 'FINAL') results.push(e.key);
    })();
    await settle();
    gate.resolve();
    await Promise.all([run, ...handles]);
    await s.onIdle();
    expect(results).toHaveLength(12);
    expect(ledger.peak.gpu).toBeLessThanOrEqual(2);
    expect(ledger.peak.cpu).toBeLessThanOrEqual(4);
    expect(capacity.inUse).toEqual({ gpu: 0, cpu: 0 });
  });

  it('under one parent: a release by the runner in one child wakes the scheduler in the other', async () => {
    const parent = new ResourceCapacitySource({ gpu: 2 });
    const a = new ResourceCapacitySource({ gpu: 2 }, parent);
    const b = new ResourceCapacitySource({ gpu: 2 }, parent);
    const hold = deferred<string>();
    const runner = new ScheduledTaskPoolRunner(
      'b',
      new SourceBufferObj<ScheduledTask<string, string>>([
        { key: 'long', cost: { gpu: 2 }, runner: () => hold.promise },
      ]),
      b,
    );
    const run = (async () => {
      for await (const _ of runner.runTasks(false)) {
        /* drain */
      }
    })();
    await settle();
    expect(parent.inUse).toEqual({ gpu: 2 });

    const s = new Scheduler({ capacity: a });
    const h = s.add(async () => 'ran', { key: 'gpu-task', cost: { gpu: 1 } });
    await settle();
    expect(h.state).toBe('queued');
    const why = s.explain('gpu-task');
    expect(why.reasons).toContainEqual({ kind: 'resource', resource: 'gpu', level: 1, need: 1, free: 0 });
    expect(why.message).toContain('the parent pool');

    hold.resolve('done');
    expect(await h).toBe('ran');
    await run;
    await s.onIdle();
    expect(parent.inUse).toEqual({ gpu: 0 });
  });
});
