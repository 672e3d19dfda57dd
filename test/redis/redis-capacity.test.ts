import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  type AllotErrorLike,
  ResourceCapacitySource,
  ScheduledTaskPoolRunner,
  Scheduler,
  SourceBufferObj,
} from '../../src/index.js';
import { RedisCapacity, type RedisCapacityOptions } from '../../src/redis/index.js';
import { deferred } from '../support/async.js';
import { describeRedis, TestRedis } from '../support/redis-server.js';

// RedisCapacity's own surface: the tree, its errors, leases, explanations, the runner seam, partial release and
// close. What it shares with the in-memory source is checked in conformance.test.ts.

const TREE = {
  cluster: { limits: { gpu: 2, cpu: 3 } },
  'team-a': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

describeRedis('RedisCapacity', () => {
  let server: TestRedis;
  let opened: RedisCapacity[] = [];
  let n = 0;
  const open = (options: Partial<RedisCapacityOptions> = {}): RedisCapacity => {
    const c = new RedisCapacity({ redis: server.url, namespace: `rc-${n}`, node: 'team-a', ...options });
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await TestRedis.start();
  });
  afterAll(async () => server.stop());
  afterEach(async () => {
    for (const c of opened) await c.close();
    opened = [];
    n++;
  });

  it('define is idempotent, keeps existing limits, and refuses a different parent', async () => {
    const a = open();
    await a.define(TREE);
    await a.define({ ...TREE, cluster: { limits: { gpu: 9, cpu: 9 } } });
    expect((await a.snapshot()).cluster?.limits).toEqual({ gpu: 2, cpu: 3 });
    expect(a.limits).toEqual({ gpu: 2, cpu: 2 });
    await expect(
      a.define({ other: { limits: {} }, 'team-a': { parent: 'other', limits: {} } }),
    ).rejects.toMatchObject({
      code: 'ALLOT_INVALID_OPTION',
      message: expect.stringContaining('team-a.parent'),
    });
    await expect(a.define({ x: { parent: 'nowhere', limits: {} } })).rejects.toMatchObject({
      code: 'ALLOT_INVALID_OPTION',
    });
    await expect(
      a.define({ x: { parent: 'y', limits: {} }, y: { parent: 'x', limits: {} } }),
    ).rejects.toMatchObject({ code: 'ALLOT_INVALID_OPTION', message: expect.stringContaining('cycle') });
    await expect(a.define({ x: { limits: { gpu: -1 } } })).rejects.toMatchObject({
      code: 'ALLOT_INVALID_LIMIT',
    });
  });

  it('names an undefined node: a task on it fails, setLimits on it throws', async () => {
    const admin = open();
    await admin.define(TREE);
    const lost = open({ node: 'team-z' });
    const s = new Scheduler({ capacity: lost });
    await expect(s.add(() => 1, { key: 't', cost: { gpu: 1 } })).rejects.toMatchObject({
      code: 'ALLOT_UNKNOWN_NODE',
      node: 'team-z',
    });
    await expect(admin.setLimits('team-z', { gpu: 1 })).rejects.toMatchObject({ code: 'ALLOT_UNKNOWN_NODE' });
    await s.close();
  });

  it('validates its options with typed errors', () => {
    const bad: Partial<RedisCapacityOptions>[] = [
      { namespace: '' },
      { namespace: 'a{b}' },
      { node: '' },
      { leaseTtlMs: 10 },
      { heartbeatMs: 20_000 },
      { fallbackWakeMs: 5000 },
    ];
    for (const b of bad)
      expect(() => new RedisCapacity({ redis: server.url, namespace: 'x', node: 'y', ...b })).toThrow(
        expect.objectContaining({ code: 'ALLOT_INVALID_OPTION' }),
      );
    expect(() => new RedisCapacity({ redis: 42 as unknown as string, namespace: 'x', node: 'y' })).toThrow(
      expect.objectContaining({ code: 'ALLOT_INVALID_OPTION' }),
    );
  });

  it('snapshot counts live leases per node, in user units', async () => {
    const a = open();
    await a.define(TREE);
    const s = new Scheduler({ capacity: a });
    const hold = deferred();
    const running = [
      s.add(() => hold.promise, { cost: { gpu: 1, cpu: 0.5 } }),
      s.add(() => hold.promise, { cost: { cpu: 1 } }),
    ];
    await until(() => a.leases === 2);
    const snap = await a.snapshot();
    expect(snap['team-a']).toEqual({
      parent: 'cluster',
      limits: { gpu: 2, cpu: 2 },
      inUse: { gpu: 1, cpu: 1.5 },
      leases: 2,
    });
    expect(snap.cluster).toMatchObject({ parent: undefined, inUse: { gpu: 1, cpu: 1.5 }, leases: 0 });
    hold.resolve();
    await Promise.all(running);
    await s.close();
    expect((await a.snapshot())['team-a']).toMatchObject({ inUse: { gpu: 0, cpu: 0 }, leases: 0 });
  });

  it('explain names the node that lacks capacity', async () => {
    const a = open();
    await a.define(TREE);
    const other = open({ node: 'cluster' });
    const holder = new Scheduler({ capacity: other });
    const hold = deferred();
    const held = holder.add(() => hold.promise, { cost: { gpu: 2 } });
    await until(() => other.leases === 1);
    const s = new Scheduler({ capacity: a });
    const waiting = s.add(() => 1, { key: 'encode', cost: { gpu: 1 } });
    await until(() => waiting.state === 'queued');
    await sleep(20);
    const why = waiting.explain();
    expect(why.reasons).toContainEqual(
      expect.objectContaining({ kind: 'resource', resource: 'gpu', node: 'cluster' }),
    );
    expect(why.message).toContain('node "cluster"');
    hold.resolve();
    await Promise.all([held, waiting]);
    await holder.close();
    await s.close();
  });

  it('keeps a scheduler’s start order when another process takes capacity first', async () => {
    const a = open();
    await a.define(TREE);
    const b = open();
    const mine = new Scheduler({ capacity: a, order: 'fifo' });
    const theirs = new Scheduler({ capacity: b });
    const order: number[] = [];
    const handles = [];
    for (let i = 0; i < 12; i++) {
      handles.push(
        mine.add(
          async () => {
            order.push(i);
            await sleep(2);
          },
          { cost: { gpu: 1 } },
        ),
      );
      handles.push(theirs.add(() => sleep(3), { cost: { gpu: 1 } }));
    }
    await Promise.all(handles);
    expect(order).toEqual([...Array(12).keys()]);
    await mine.close();
    await theirs.close();
  });

  it('the documented runner draws on it through the same seam', async () => {
    const a = open();
    await a.define(TREE);
    let running = 0;
    let most = 0;
    const tasks = [];
    for (let i = 0; i < 20; i++)
      tasks.push({
        key: `t${i}`,
        cost: i % 2 === 0 ? { gpu: 1, cpu: 1 } : { cpu: 1 },
        runner: async () => {
          running++;
          most = Math.max(most, running);
          await sleep(2);
          running--;
          return i;
        },
      });
    const runner = new ScheduledTaskPoolRunner('redis', new SourceBufferObj(tasks), a);
    const finals: unknown[] = [];
    for await (const e of runner.runTasks()) if (e.type === 'FINAL') finals.push(e.value);
    expect(finals.sort((x, y) => Number(x) - Number(y))).toEqual([...Array(20).keys()]);
    expect(most).toBeLessThanOrEqual(2); // cpu 2 at team-a
    await a.settled();
    expect((await a.snapshot())['team-a']?.inUse).toEqual({ gpu: 0, cpu: 0 });
  });

  it('partial release and reconcile change what the store holds at once', async () => {
    const a = open();
    await a.define(TREE);
    const s = new Scheduler({ capacity: a });
    const step = deferred();
    const done = deferred();
    const task = s.add(
      async (ctx) => {
        await step.promise;
        ctx.release({ gpu: 1 });
        await done.promise;
      },
      { cost: { gpu: 2, cpu: 1 } },
    );
    await until(async () => (await a.snapshot())['team-a']?.inUse.gpu === 2);
    step.resolve();
    await until(async () => (await a.snapshot())['team-a']?.inUse.gpu === 1);
    expect((await a.snapshot()).cluster?.inUse).toEqual({ gpu: 1, cpu: 1 });
    // The freed GPU lets a waiter start while the first task still runs.
    await s.add(() => 'in', { cost: { gpu: 1 } });
    done.resolve();
    await task;
    await s.close();
    expect((await a.snapshot()).cluster?.inUse).toEqual({ gpu: 0, cpu: 0 });
  });

  it('close() gives leases back at once and stops their tasks with LeaseLostError', async () => {
    const a = open();
    await a.define(TREE);
    const watcher = open();
    const s = new Scheduler({ capacity: a });
    let reason: unknown;
    const task = s.add(
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
      { key: 'render', cost: { gpu: 2 } },
    );
    await until(() => a.leases === 1);
    await a.close();
    await expect(task).rejects.toMatchObject({ code: 'ALLOT_LEASE_LOST', taskKey: 'render' });
    expect((reason as AllotErrorLike).code).toBe('ALLOT_LEASE_LOST');
    expect((await watcher.snapshot())['team-a']?.inUse).toEqual({ gpu: 0, cpu: 0 });
    await s.close();
  });

  it('publishes releases only while some process waits, and the waiter still hears them', async () => {
    const a = open();
    await a.define(TREE);
    const b = open();
    const admin = server.client();
    const publishes = async (): Promise<number> => {
      const m = /cmdstat_publish:calls=(\d+)/.exec(await admin.info('commandstats'));
      return m === null ? 0 : Number(m[1]);
    };
    const sa = new Scheduler({ capacity: a });
    const before = await publishes();
    // Busy, every cost fits, nothing waits anywhere: no messages.
    await Promise.all(Array.from({ length: 40 }, () => sa.add(async () => {}, { cost: { gpu: 0.05 } })));
    await a.settled();
    expect(await publishes()).toBe(before);

    // b's task cannot fit while a holds both GPUs: b's refused acquire registers it as waiting.
    const hold = deferred();
    const holding = sa.add(() => hold.promise, { cost: { gpu: 2 } });
    await until(() => a.leases === 1);
    const sb = new Scheduler({ capacity: b });
    let started = false;
    const waiter = sb.add(
      async () => {
        started = true;
      },
      { key: 'waiter', cost: { gpu: 1 } },
    );
    await until(async () => (await admin.zcard(`allot:{rc-${n}}:waiters`)) === 1);
    expect(started).toBe(false);
    const beforeRelease = await publishes();
    hold.resolve();
    await holding;
    await waiter;
    expect(started).toBe(true);
    expect(await publishes()).toBeGreaterThan(beforeRelease);
    admin.disconnect();
    await sa.close();
    await sb.close();
  });

  it('renews several thousand leases in calls of at most 1,000 ids, losing none', async () => {
    const a = open({ leaseTtlMs: 1000, heartbeatMs: 100 });
    await a.define({ cluster: { limits: { slot: 10_000 } }, 'team-a': { parent: 'cluster', limits: {} } });
    const gate = a.openGate();
    const prepared = gate.prepare('hold', { slot: 1 });
    if (prepared instanceof Error) throw prepared;
    const leases = [];
    for (let i = 0; i < 25; i++) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => gate.take(prepared)));
      leases.push(...batch);
    }
    expect(leases.every((l) => l !== undefined)).toBe(true);
    const lost: string[] = [];
    for (const lease of leases)
      if (lease !== undefined) gate.watch?.(lease, 'hold', (e) => lost.push(e.message));
    // Three TTLs: every lease must have been renewed several times by now.
    await sleep(3000);
    expect(lost).toEqual([]);
    expect(a.leases).toBe(2500);
    expect((await a.snapshot()).cluster).toMatchObject({ inUse: { slot: 2500 }, leases: 0 });
    expect((await a.snapshot())['team-a']?.leases).toBe(2500);
    for (const lease of leases) if (lease !== undefined) gate.release(lease);
    await a.settled();
    expect((await a.snapshot()).cluster?.inUse).toEqual({ slot: 0 });
  });

  it('refuses device ids on a shared capacity, and still takes local sources', () => {
    const a = open();
    expect(() => new Scheduler({ capacity: a, devices: { gpu: ['0', '1'] } })).toThrow(
      expect.objectContaining({ code: 'ALLOT_INVALID_OPTION' }),
    );
    expect(new Scheduler({ capacity: new ResourceCapacitySource({ gpu: 1 }) }).capacity).toBeInstanceOf(
      ResourceCapacitySource,
    );
  });
});
