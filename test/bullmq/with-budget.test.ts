import { readFileSync } from 'node:fs';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type BudgetedJobFn, type BudgetedProcessor, withBudget } from '../../src/bullmq/index.js';
import { ResourceCapacitySource, type ResourceCost } from '../../src/index.js';
import { RedisCapacity, type RedisNodeDefinition } from '../../src/redis/index.js';
import type { BudgetJobData, BullmqWorkerConfig, BullmqWorkerReport } from '../fixtures/bullmq-worker.js';
import { KINDS, type PlannedTask, random } from '../fixtures/redis-worker.js';
import { parseLedger, replay } from '../redis/ledger.js';
import { FixtureProcess, note, sleep, until } from '../redis/processes.js';
import { describeRedis, TestRedis } from '../support/redis-server.js';

// BullMQ stays the durable queue; withBudget makes each job wait inside its processor until its cost fits the
// shared budget. Three worker processes (test/fixtures/bullmq-worker.ts), each with its own RedisCapacity on
// one node of the tree below, consume one queue. Every job writes a ledger (start and end, numbered by a Redis
// INCR inside the processor); replaying it in that order shows what was in use at every node at every moment.

const TREE: Record<string, RedisNodeDefinition> = {
  cluster: { limits: { gpu: 2, cpu: 3 } },
  'team-a': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
  'team-b': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
};

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
};

describe('withBudget, without a server', () => {
  it('returns a processor that declares the signal parameter, so BullMQ passes its signal', () => {
    const budgeted = withBudget(
      new ResourceCapacitySource({ gpu: 1 }),
      () => ({}),
      async () => 1,
    );
    expect(budgeted.length).toBe(3);
  });

  it('loads without bullmq: the entry imports only its types', () => {
    for (const file of ['index.ts', 'with-budget.ts']) {
      const text = readFileSync(new URL(`../../src/bullmq/${file}`, import.meta.url), 'utf8');
      for (const line of text.split('\n').filter((l) => /from 'bullmq'/.test(l)))
        expect(line).toMatch(/^import type /);
    }
  });
});

describeRedis('withBudget: BullMQ workers under one shared budget', () => {
  const servers: TestRedis[] = [];
  let children: FixtureProcess[] = [];
  /** Closers of what a test opened in this process, run last-opened first. */
  let closers: (() => Promise<unknown> | unknown)[] = [];

  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    children = [];
    for (const s of servers) s.resume();
    for (const close of closers.reverse()) await close();
    closers = [];
    for (const s of servers.splice(0)) await s.stop();
  });

  const startServer = async (): Promise<TestRedis> => {
    const server = await TestRedis.start();
    servers.push(server);
    return server;
  };

  const connect = (url: string): Redis => {
    const client = new Redis(url, { maxRetriesPerRequest: null });
    client.on('error', () => {});
    closers.push(() => client.disconnect());
    return client;
  };

  const openQueue = <D>(url: string, name: string): Queue<D> => {
    const queue = new Queue<D>(name, { connection: connect(url) });
    closers.push(() => queue.close());
    return queue;
  };

  /** A capacity, a budgeted processor and a worker in this process; closed in that order's reverse. */
  const startWorker = async <D, R>(options: {
    url: string;
    budgetUrl?: string;
    queue: string;
    namespace: string;
    node?: string;
    tree?: Record<string, RedisNodeDefinition>;
    costOf: (job: Job<D, R>) => ResourceCost;
    processor: BudgetedJobFn<D, R>;
    leaseTtlMs?: number;
  }): Promise<{
    worker: Worker<D, R>;
    budgeted: BudgetedProcessor<D, R>;
    failures: Map<string, unknown>;
  }> => {
    const capacity = new RedisCapacity({
      redis: options.budgetUrl ?? options.url,
      namespace: options.namespace,
      node: options.node ?? 'cluster',
      leaseTtlMs: options.leaseTtlMs ?? 2000,
      fallbackWakeMs: 200,
    });
    closers.push(() => capacity.close());
    await capacity.define(options.tree ?? { cluster: { limits: { gpu: 2, cpu: 3 } } });
    const budgeted = withBudget<D, R, string>(capacity, options.costOf, options.processor);
    closers.push(() => budgeted.close({ cancel: true }));
    const worker = new Worker<D, R>(options.queue, budgeted, {
      connection: connect(options.url),
      concurrency: 32,
    });
    const failures = new Map<string, unknown>();
    worker.on('failed', (job, error) => failures.set(job?.name ?? '?', error));
    worker.on('error', () => {});
    closers.push(() => worker.close(true));
    await worker.waitUntilReady();
    return { worker, budgeted, failures };
  };

  it('three worker processes never over-commit any node; every job completes exactly once', async () => {
    const server = await startServer();
    const seed = Number(process.env.ALLOT_SEED ?? Date.now() % 1_000_000);
    const namespace = `bull-${seed}`;
    const queueName = `media-${seed}`;
    const base = {
      url: server.url,
      queue: queueName,
      namespace,
      tree: TREE,
      concurrency: 32,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      ledgerKey: `ledger:${namespace}`,
      seqKey: `ledger:${namespace}:seq`,
      stopKey: `stop:${namespace}`,
    } satisfies Partial<BullmqWorkerConfig>;
    const nodes = ['team-a', 'team-b', 'cluster'];
    children = nodes.map(
      (node, i) =>
        new FixtureProcess('bullmq-worker.ts', { ...base, node, worker: i + 1 } satisfies BullmqWorkerConfig),
    );
    await Promise.all(children.map((c) => c.line((l) => l === 'ready', 30_000)));

    // Seed-like jobs: an encode {gpu:2,cpu:1}, a detect {gpu:1,cpu:1} or a thumbnail {cpu:1}, 40–120 ms each.
    const next = random(seed);
    const kinds = Object.keys(KINDS) as (keyof typeof KINDS)[];
    const jobs = Array.from({ length: 60 }, (_, i) => {
      const kind = kinds[Math.floor(next() * kinds.length)] as keyof typeof KINDS;
      const data: BudgetJobData = { cost: { ...KINDS[kind] }, ms: Math.round(40 + next() * 80) };
      return { name: `${kind}-${i}`, kind, data };
    });
    const queue = openQueue<BudgetJobData>(server.url, queueName);
    const started = Date.now();
    const added = await queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data })));
    await until(
      async () => {
        const c = await queue.getJobCounts('completed', 'failed');
        return (c.completed ?? 0) + (c.failed ?? 0) >= jobs.length;
      },
      60_000,
      'every job finished',
    );
    const elapsed = Date.now() - started;

    const control = connect(server.url);
    await control.rpush(base.stopKey, '1', '2', '3');
    const reports = await Promise.all(
      children.map(async (c) => {
        const line = await c.line((l) => l.startsWith('report '), 30_000);
        expect(await c.exited).toBe(0);
        return JSON.parse(line.slice('report '.length)) as BullmqWorkerReport;
      }),
    );

    const counts = await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
    expect(counts).toEqual({ completed: 60, failed: 0, active: 0, wait: 0, delayed: 0 });
    expect(reports.reduce((n, r) => n + r.completed, 0)).toBe(60);
    for (const r of reports) {
      expect(r.failed).toEqual({});
      expect(r.stalled).toEqual([]);
      expect(r.errors).toEqual([]);
    }

    const planned: PlannedTask[] = added.map((job, i) => ({
      key: `job-${job.id}`,
      kind: jobs[i]?.kind as keyof typeof KINDS,
      cost: jobs[i]?.data.cost as ResourceCost,
      deps: [],
      ms: jobs[i]?.data.ms as number,
    }));
    const marks = parseLedger(await control.lrange(base.ledgerKey, 0, -1));
    const result = replay(marks, TREE, planned);
    expect(result.overCommits).toEqual([]);
    expect(result.notOnce).toEqual([]);
    expect(result.spans.size).toBe(60);
    expect(marks).toHaveLength(120);
    // The budget was what held jobs back: the cluster's GPUs were all in use at some moment.
    expect(result.peak.cluster?.gpu).toBe(2);
    // Some jobs waited longer than BullMQ's lock lasts: their locks were renewed while they waited, or the
    // stalled check (every 500 ms) would have handed them out again, and the ledger would show a second start.
    const waits = reports.flatMap((r) => Object.values(r.waits));
    const longest = Math.max(...waits);
    expect(longest).toBeGreaterThan(base.lockDurationMs);
    note(
      `bullmq: 60 jobs over 3 worker processes in ${elapsed} ms; jobs per worker ` +
        `${reports.map((r) => `${r.node}=${r.completed}`).join(', ')}; longest wait in a processor ${longest} ms ` +
        `(lock ${base.lockDurationMs} ms); peaks ${JSON.stringify(result.peak)}; seed ${seed}`,
    );
  }, 90_000);

  it('a malformed cost, an unknown resource or a cost that can never fit fails that job; the worker goes on', async () => {
    const server = await startServer();
    const queue = openQueue<{ cost: ResourceCost }>(server.url, 'bad-costs');
    const ran: string[] = [];
    const { failures } = await startWorker<{ cost: ResourceCost }, string>({
      url: server.url,
      queue: 'bad-costs',
      namespace: 'bad-costs',
      costOf: (job) => job.data.cost,
      processor: async (job) => {
        ran.push(job.name);
        await sleep(10);
        return job.name;
      },
    });
    const batch = (prefix: string) => [
      { name: `${prefix}-ok-1`, data: { cost: { cpu: 1 } } },
      { name: `${prefix}-negative`, data: { cost: { gpu: -1 } } },
      { name: `${prefix}-ok-2`, data: { cost: { gpu: 1, cpu: 1 } } },
      { name: `${prefix}-too-big`, data: { cost: { gpu: 3 } } },
      { name: `${prefix}-unknown`, data: { cost: { tpu: 1 } } },
      { name: `${prefix}-missing`, data: {} as { cost: ResourceCost } },
      { name: `${prefix}-ok-3`, data: { cost: { gpu: 2, cpu: 1 } } },
    ];
    const done = async (n: number): Promise<void> =>
      until(
        async () => {
          const c = await queue.getJobCounts('completed', 'failed');
          return (c.completed ?? 0) + (c.failed ?? 0) >= n;
        },
        15_000,
        `${n} jobs finished`,
      );
    await queue.addBulk(batch('first'));
    await done(7);
    // After those failures, the same worker still takes and runs new jobs.
    await queue.addBulk(batch('second'));
    await done(14);

    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 6, failed: 8 });
    expect(ran.sort()).toEqual(
      ['first-ok-1', 'first-ok-2', 'first-ok-3', 'second-ok-1', 'second-ok-2', 'second-ok-3'].sort(),
    );
    for (const prefix of ['first', 'second']) {
      expect(codeOf(failures.get(`${prefix}-negative`))).toBe('ALLOT_INVALID_COST');
      expect(codeOf(failures.get(`${prefix}-missing`))).toBe('ALLOT_INVALID_COST');
      expect(codeOf(failures.get(`${prefix}-too-big`))).toBe('ALLOT_COST_EXCEEDS_LIMIT');
      expect(codeOf(failures.get(`${prefix}-unknown`))).toBe('ALLOT_UNKNOWN_RESOURCE');
    }
    // BullMQ recorded the failure with the typed error's message, which names the job.
    const failed = await queue.getFailed();
    const tooBig = failed.find((j) => j.name === 'first-too-big');
    expect(tooBig?.failedReason).toMatch(new RegExp(`job-${tooBig?.id}/\\d+`));
    expect(tooBig?.failedReason).toMatch(/gpu/);
  });

  it('a lost lease aborts the processor; the job fails with ALLOT_LEASE_LOST once the processor has settled', async () => {
    // The budget lives in a Redis of its own, so it can be paused while BullMQ's queue goes on.
    const queueServer = await startServer();
    const budgetServer = await startServer();
    const queue = openQueue<{ cost: ResourceCost }>(queueServer.url, 'lease');
    const seen: { reason?: string; startedAt?: number; settledAt?: number } = {};
    const { failures, worker } = await startWorker<{ cost: ResourceCost }, string>({
      url: queueServer.url,
      budgetUrl: budgetServer.url,
      queue: 'lease',
      namespace: 'lease',
      leaseTtlMs: 1000,
      costOf: (job) => job.data.cost,
      processor: async (_job, _token, signal) => {
        seen.startedAt = Date.now();
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        seen.reason = codeOf(signal.reason);
        // Cleaning up takes a while: the job must stay active meanwhile.
        await sleep(300);
        seen.settledAt = Date.now();
        return 'ignored the loss';
      },
    });
    let failedAt = 0;
    worker.on('failed', () => {
      failedAt = Date.now();
    });
    await queue.add('render', { cost: { gpu: 1 } });
    await until(() => seen.startedAt !== undefined, 10_000, 'the job started');
    budgetServer.pause();
    await until(() => failedAt > 0, 10_000, 'the job failed');
    budgetServer.resume();

    expect(seen.reason).toBe('ALLOT_LEASE_LOST');
    expect(codeOf(failures.get('render'))).toBe('ALLOT_LEASE_LOST');
    expect(failedAt).toBeGreaterThanOrEqual(seen.settledAt as number);
    expect(await queue.getJobCounts('completed', 'failed', 'active')).toEqual({
      completed: 0,
      failed: 1,
      active: 0,
    });
    note(
      `bullmq: lease lost ${(seen.settledAt as number) - 300 - (seen.startedAt as number)} ms after the start`,
    );
  });

  it("BullMQ's cancelJob stops a running job through its signal and drops a waiting one before it runs", async () => {
    const server = await startServer();
    const queue = openQueue<{ cost: ResourceCost }>(server.url, 'cancel');
    const ran: string[] = [];
    const reasons: Record<string, unknown> = {};
    const { worker, budgeted, failures } = await startWorker<{ cost: ResourceCost }, string>({
      url: server.url,
      queue: 'cancel',
      namespace: 'cancel',
      tree: { cluster: { limits: { gpu: 1 } } },
      costOf: (job) => job.data.cost,
      processor: async (job, _token, signal) => {
        ran.push(job.name);
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        reasons[job.name] = signal.reason;
        return job.name;
      },
    });
    const running = await queue.add('running', { cost: { gpu: 1 } });
    await until(() => ran.includes('running'), 10_000, 'the first job started');
    const waiting = await queue.add('waiting', { cost: { gpu: 1 } });
    await until(() => budgeted.scheduler.stats.queued === 1, 10_000, 'the second job waits for the budget');

    expect(worker.cancelJob(waiting.id as string, 'not needed')).toBe(true);
    await until(() => failures.has('waiting'), 10_000, 'the waiting job failed');
    expect(codeOf(failures.get('waiting'))).toBe('ALLOT_TASK_CANCELLED');
    expect(ran).toEqual(['running']);

    expect(worker.cancelJob(running.id as string, 'shutting down')).toBe(true);
    await until(() => failures.has('running'), 10_000, 'the running job failed');
    expect(codeOf(failures.get('running'))).toBe('ALLOT_TASK_CANCELLED');
    expect(codeOf(reasons.running)).toBe('ALLOT_TASK_CANCELLED');
    expect((reasons.running as Error).cause).toBe('shutting down');
    expect(ran).toEqual(['running']);
    await budgeted.scheduler.onIdle();
    expect(budgeted.scheduler.stats.inUse).toEqual({ gpu: 0 });
  });
});
