import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisCapacity } from '../../src/redis/index.js';
import type { WorkloadConfig, WorkloadReport } from '../fixtures/redis-worker.js';
import { sharedConfig } from '../fixtures/redis-worker.js';
import { describeRedis, TestRedis } from '../support/redis-server.js';
import { parseLedger, replay } from './ledger.js';
import { FixtureProcess, note } from './processes.js';

// Four worker processes share one budget tree in one redis-server: cluster { gpu: 2, cpu: 3 } with team-a
// { gpu: 2, cpu: 2 } (workers 1 and 2) and team-b { gpu: 1, cpu: 3 } (workers 3 and 4) under it. Each worker runs
// a seeded pipeline several rounds. The tasks write the ledger themselves, numbering each start and end with
// a Redis INCR taken inside the task (after its capacity was granted, before it is given back), so the ledger's
// intervals lie within the leases' and a replay in that order sees any over-commit the store allowed.

const TREE = {
  cluster: { limits: { gpu: 2, cpu: 3 } },
  'team-a': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
  'team-b': { parent: 'cluster', limits: { gpu: 1, cpu: 3 } },
};

describe('the ledger replay', () => {
  it('catches an over-commit at a parent, a task run twice and a dependency not yet ended', () => {
    const lines = [
      'start team-a 1 a {"gpu":2,"cpu":1} 1 0',
      'start team-b 3 b {"gpu":1} 2 0', // cluster gpu 3 > 2
      'end team-b 3 b {"gpu":1} 3 0',
      'start team-b 3 c {"cpu":1} 4 0', // c depends on a, which has not ended
      'end team-a 1 a {"gpu":2,"cpu":1} 5 0',
      'end team-b 3 c {"cpu":1} 6 0',
      'start team-b 3 c {"cpu":1} 7 0',
      'end team-b 3 c {"cpu":1} 8 0',
    ];
    const plan = (key: string, deps: string[] = []) => ({
      key,
      kind: 'detect' as const,
      cost: {},
      deps,
      ms: 1,
    });
    // Written out of order on purpose: the replay goes by seq.
    const result = replay(parseLedger([...lines].reverse()), TREE, [plan('a'), plan('b'), plan('c', ['a'])]);
    expect(result.overCommits).toEqual(['seq 2: b starts, cluster gpu in use 3 > 2']);
    expect(result.notOnce).toEqual(['c: 2 starts, 2 ends']);
    expect(result.depsBroken).toHaveLength(1);
    expect(result.peak.cluster).toEqual({ gpu: 3, cpu: 2 }); // a and c at seq 4
  });
});

describeRedis('RedisCapacity across processes', () => {
  let server: TestRedis | undefined;
  let children: FixtureProcess[] = [];

  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    children = [];
    await server?.stop();
    server = undefined;
  });

  it('four workers on two teams never over-commit any node; every task runs once, after its deps', async () => {
    server = await TestRedis.start();
    const seed = Number(process.env.ALLOT_SEED ?? Date.now() % 1_000_000);
    const namespace = `mp-${seed}`;
    const base = sharedConfig(
      { url: server.url, ledgerUrl: server.url, namespace, tree: TREE },
      { rounds: 4, files: 4, minMs: 2, maxMs: 20, leaseTtlMs: 2000 },
    );
    const configs: WorkloadConfig[] = [1, 2, 3, 4].map((worker) => ({
      ...base,
      node: worker <= 2 ? 'team-a' : 'team-b',
      worker,
      seed: seed * 10 + worker,
      goKey: `go:${namespace}:${worker}`,
      // A task above team-b's GPU limit can only be refused when it would start: it must fail, naming the node.
      tooBig: worker === 3,
    }));
    children = configs.map((c) => new FixtureProcess('redis-worker.ts', c));
    await Promise.all(children.map((c) => c.line((l) => l === 'ready')));
    const client = server.client();
    try {
      // Every worker has its scheduler ready: start them together, so they contend for the cluster.
      const started = Date.now();
      for (const c of configs) await client.rpush(c.goKey as string, 'go');
      const codes = await Promise.all(children.map((c) => c.exited));
      const elapsed = Date.now() - started;
      expect(codes, children.map((c) => c.stderr).join('\n')).toEqual([0, 0, 0, 0]);
      const reports = children.map(
        (c) =>
          JSON.parse(
            (c.lines.find((l) => l.startsWith('report ')) as string).slice('report '.length),
          ) as WorkloadReport,
      );

      const planned = reports.flatMap((r) => r.planned);
      const tooBig = planned.filter((p) => p.kind === 'too-big');
      const normal = planned.filter((p) => p.kind !== 'too-big');
      expect(tooBig).toHaveLength(1);
      const outcomes = Object.assign({}, ...reports.map((r) => r.outcomes)) as Record<string, string>;
      expect(outcomes[tooBig[0]?.key as string]).toBe('ALLOT_COST_EXCEEDS_LIMIT');
      for (const p of normal) expect(outcomes[p.key], p.key).toBe('completed');
      expect(reports.flatMap((r) => Object.keys(r.aborted))).toEqual([]);

      const marks = parseLedger(await client.lrange(base.ledgerKey, 0, -1));
      expect(marks).toHaveLength(normal.length * 2);
      const result = replay(marks, TREE, normal);
      expect(result.overCommits, `seed ${seed}`).toEqual([]);
      expect(result.notOnce, `seed ${seed}`).toEqual([]);
      expect(result.depsBroken, `seed ${seed}`).toEqual([]);
      expect(result.spans.size).toBe(normal.length);
      // The workload did contend: the cluster's GPUs were all in use at some point.
      expect(result.peak.cluster?.gpu).toBe(2);
      note(
        `multi-process seed ${seed}: ${normal.length} tasks in ${elapsed} ms; peaks ${JSON.stringify(result.peak)}`,
      );

      // Everything was given back: nothing in use, no lease left, at any node.
      const admin = new RedisCapacity({ redis: server.url, namespace, node: 'cluster' });
      try {
        const snapshot = await admin.snapshot();
        expect(Object.keys(snapshot).sort()).toEqual(['cluster', 'team-a', 'team-b']);
        for (const [node, s] of Object.entries(snapshot)) {
          expect(s.leases, node).toBe(0);
          for (const amount of Object.values(s.inUse)) expect(amount, node).toBe(0);
        }
        const raw = new Redis(server.url);
        expect(await raw.zcard(`allot:{${namespace}}:leases`)).toBe(0);
        expect(await raw.hlen(`allot:{${namespace}}:holds`)).toBe(0);
        raw.disconnect();
      } finally {
        await admin.close();
      }
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
