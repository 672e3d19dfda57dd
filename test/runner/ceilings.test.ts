import { describe, expect, it } from 'vitest';
import { HierarchicalBalancer } from '../../src/balancer/hierarchical-balancer.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { CostExceedsLimitError, InvalidLimitError, InvalidOptionError } from '../../src/errors/index.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskProgressEnvelope } from '../../src/runner/types.js';
import { collect, deferred, ioTurns } from '../support/async.js';
import { manualClock } from '../support/clock.js';

type Task = ScheduledTask<never, string>;

describe('ceilings: what can never fit is refused, what fits a ceiling waits', () => {
  it('a brief limit cut makes queued tasks wait instead of failing them', async () => {
    const pool = new ResourceCapacitySource({ tokens: 4000 });
    const release = deferred();
    let started = 0;
    const tasks: Task[] = Array.from({ length: 100 }, (_, i) => ({
      key: `t${i}`,
      cost: { tokens: 1000 },
      runner: async () => {
        started++;
        if (started <= 4) await release.promise;
        return 'ok';
      },
    }));
    const done = collect(new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks), pool).runTasks(false));
    await ioTurns(3);
    expect(started).toBe(4);
    pool.setLimits({ tokens: 500 }); // a brief cut, for example while a provider is degraded
    release.resolve();
    await ioTurns(3);
    expect(started).toBe(4); // the head (1000 > 500) waits
    pool.setLimits({ tokens: 4000 });
    const envelopes = await done;
    expect(envelopes.filter((e) => e.type === 'FINAL')).toHaveLength(100);
  });

  it('a cost above the highest limit a level has had is still refused at once', async () => {
    const pool = new ResourceCapacitySource({ tokens: 4000 });
    pool.setLimits({ tokens: 500 });
    expect(pool.ceilings).toEqual({ tokens: 4000 });
    const [e] = await collect(
      new ScheduledTaskPoolRunner(
        'r',
        new SourceBufferObj<Task>([{ key: 'huge', cost: { tokens: 4001 }, runner: async () => 'x' }]),
        pool,
      ).runTasks(false),
    );
    expect(e?.error).toBeInstanceOf(CostExceedsLimitError);
    expect(e?.error).toMatchObject({
      taskKey: 'huge',
      resource: 'tokens',
      requested: 4001,
      limit: 4000,
      level: 0,
    });
  });

  it('a declared ceiling lets a larger task wait for the limit to grow; lowering it refuses the waiting task', async () => {
    const pool = new ResourceCapacitySource({ gpu: 2 });
    pool.setCeilings({ gpu: 8 });
    expect(pool.validateCost({ gpu: 6 })).toBe(true);
    const run = collect(
      new ScheduledTaskPoolRunner(
        'r',
        new SourceBufferObj<Task>([{ key: 'big', cost: { gpu: 6 }, runner: async () => 'ran' }]),
        pool,
      ).runTasks(false),
    );
    await ioTurns(3);
    expect(pool.waiting).toBe(1);
    pool.setCeilings({ gpu: 4 }); // can never reach 6 any more
    const [e] = await run;
    expect(e?.error).toBeInstanceOf(CostExceedsLimitError);
    expect(pool.waiting).toBe(0);
  });

  it('a ceiling is never below the limit, and must name a tracked resource with a valid amount', () => {
    const pool = new ResourceCapacitySource({ gpu: 4 });
    pool.setCeilings({ gpu: 1 });
    expect(pool.ceilings).toEqual({ gpu: 4 });
    pool.setLimits({ gpu: 6 });
    expect(pool.ceilings).toEqual({ gpu: 6 });
    expect(() => pool.setCeilings({ cpu: 4 })).toThrow(InvalidOptionError);
    expect(() => pool.setCeilings({ gpu: -1 })).toThrow(InvalidLimitError);
    expect(pool.ceilings).toEqual({ gpu: 6 });
  });

  it('teams shrunk to their min by a balancer wait for a task within their max, and grow to run it', async () => {
    const clock = manualClock();
    const cluster = new ResourceCapacitySource({ gpu: 8 });
    const teamA = new ResourceCapacitySource({ gpu: 2 }, cluster);
    const teamB = new ResourceCapacitySource({ gpu: 2 }, cluster);
    const balancer = new HierarchicalBalancer(
      [
        { capacity: teamA, min: { gpu: 2 }, max: { gpu: 6 } },
        { capacity: teamB, min: { gpu: 2 }, max: { gpu: 6 } },
      ],
      { now: clock.now, busyTimeThresholdMs: 1000 },
    );
    expect(teamA.ceilings).toEqual({ gpu: 6 });
    const envelopes: TaskProgressEnvelope<never, string>[] = [];
    const run = (async () => {
      const source = new SourceBufferObj<Task>([
        { key: 'train', cost: { gpu: 4 }, runner: async () => 'trained' },
      ]);
      for await (const e of new ScheduledTaskPoolRunner('a', source, teamA).runTasks(false))
        envelopes.push(e);
    })();
    await ioTurns(3);
    expect(envelopes).toEqual([]); // waiting, not refused
    expect(teamA.waiting).toBe(1);
    for (let i = 0; i < 4 && envelopes.length === 0; i++) {
      balancer.check();
      clock.advance(1000);
      balancer.check();
      await ioTurns(3);
    }
    await run;
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['FINAL train']);
    expect(teamA.limits.gpu).toBe(4);
    expect(teamB.limits).toEqual({ gpu: 2 });
  });
});
