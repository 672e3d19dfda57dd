import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { type AllotErrorLike, Scheduler, type TaskHandle } from '../../src/index.js';
import { LeaseLostError, RedisCapacity, type RedisCapacityOptions } from '../../src/redis/index.js';
import { ACQUIRE, RELEASE } from '../../src/redis/scripts.js';
import type { WorkloadConfig, WorkloadReport } from '../fixtures/redis-worker.js';
import { runWorkload, sharedConfig } from '../fixtures/redis-worker.js';
import { deferred } from '../support/async.js';
import { describeRedis, TestRedis } from '../support/redis-server.js';
import { parseLedger, replay } from './ledger.js';
import { FixtureProcess, note, sleep, until } from './processes.js';

// Faults with real processes and a real redis-server: a holder killed with SIGKILL, the server stopped with
// SIGSTOP past the lease TTL, the server killed and restarted from its append-only file mid-run, the script
// cache flushed mid-run, lost pub/sub messages, and what a waiter sends while it waits. Time bounds are generous
// (these files run beside others on a small machine); the figures they measure are printed with
// REDIS_TEST_LOG=1.

const TREE = {
  cluster: { limits: { gpu: 2, cpu: 3 } },
  'team-a': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
  'team-b': { parent: 'cluster', limits: { gpu: 1, cpu: 3 } },
};

const TTL = 2000;

const keysOf = (namespace: string) => ({
  state: `allot:{${namespace}}:state`,
  leases: `allot:{${namespace}}:leases`,
  holds: `allot:{${namespace}}:holds`,
  waiters: `allot:{${namespace}}:waiters`,
  channel: `allot:{${namespace}}:changed`,
});

/** The field of the state hash for a node's amount in use of a resource (see src/redis/scripts.ts). */
const inUseField = (node: string, resource: string): string => `u:${node.length}:${node}:${resource}`;

/**
 * Takes `cost` at `node` with the library's acquire script, run by hand: a lease of a holder that is no
 * RedisCapacity (nothing renews it; it lives a minute). Returns the script's verdict ('ok', 'short', …).
 */
async function rawAcquire(
  client: Redis,
  keys: ReturnType<typeof keysOf>,
  id: string,
  node: string,
  cost: Record<string, number>,
): Promise<string> {
  const pairs = Object.entries(cost).flatMap(([r, a]) => [r, String(a * 1_000_000)]);
  const reply = (await client.eval(
    ACQUIRE,
    4,
    keys.state,
    keys.leases,
    keys.holds,
    keys.waiters,
    keys.channel,
    id,
    60_000,
    node,
    'raw-holder',
    60_000,
    '0',
    ...pairs,
  )) as unknown[];
  return String(reply[0]);
}

/** The lease expiries the store holds now, in ms on the Redis clock (the same machine: Date.now()'s clock). */
async function expiries(client: Redis, namespace: string): Promise<number[]> {
  const flat = await client.zrange(keysOf(namespace).leases, 0, -1, 'WITHSCORES');
  const out: number[] = [];
  for (let i = 1; i < flat.length; i += 2) out.push(Number(flat[i]));
  return out;
}

/** A task's outcome: 'completed' or its error code, and when it settled. */
function outcome(handle: PromiseLike<unknown>): Promise<{ code: string; at: number; error?: unknown }> {
  return Promise.resolve(handle).then(
    () => ({ code: 'completed', at: Date.now() }),
    (error: unknown) => ({
      code: String((error as AllotErrorLike | undefined)?.code ?? error),
      at: Date.now(),
      error,
    }),
  );
}

/** Whether the task is queued because the store said the cluster's GPUs are taken (it asked, and was told to wait). */
function waitsOnClusterGpu(handle: TaskHandle<unknown>): boolean {
  if (handle.state !== 'queued') return false;
  return handle
    .explain()
    .reasons.some((r) => r.kind === 'resource' && r.resource === 'gpu' && r.node === 'cluster');
}

/** Adds a task that notes when it starts (wall clock, as the lease expiries are), and watches how it ends. */
function addTimed(s: Scheduler, key: string, cost: Record<string, number>) {
  let startedAt = 0;
  const waiting = s.add(
    () => {
      startedAt = Date.now();
    },
    { key, cost },
  );
  return { waiting, settled: outcome(waiting), startedAt: () => startedAt };
}

/** Resolves with the promise's value, or rejects when it takes longer than `ms` (a close that would hang). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not return in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describeRedis('RedisCapacity under faults', () => {
  const servers: TestRedis[] = [];
  let children: FixtureProcess[] = [];
  let capacities: RedisCapacity[] = [];
  let clients: Redis[] = [];
  let n = 0;

  const startServer = async (options: { persistent?: boolean } = {}): Promise<TestRedis> => {
    const s = await TestRedis.start(options);
    servers.push(s);
    return s;
  };
  const client = (server: TestRedis): Redis => {
    const c = server.client();
    clients.push(c);
    return c;
  };
  const open = (server: TestRedis, options: Partial<RedisCapacityOptions> = {}): RedisCapacity => {
    const c = new RedisCapacity({
      redis: server.url,
      namespace: `faults-${n}`,
      node: 'team-a',
      leaseTtlMs: TTL,
      ...options,
    });
    capacities.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    children = [];
    for (const s of servers) s.resume();
    for (const c of capacities) await within(c.close(), 10_000, 'close()').catch(() => {});
    capacities = [];
    for (const c of clients) c.disconnect();
    clients = [];
    for (const s of servers.splice(0)) await s.stop();
    n++;
  });

  it('a holder killed with SIGKILL: its capacity comes back once its lease expired, not before, within TTL + 1 s', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const holder = new FixtureProcess('redis-holder.ts', {
      url: server.url,
      namespace,
      node: 'cluster',
      tree: TREE,
      cost: { gpu: 2 },
      leaseTtlMs: TTL,
    });
    children.push(holder);
    await holder.line((l) => l.startsWith('holding'));

    const waiterCapacity = open(server, { node: 'team-a' });
    await waiterCapacity.define(TREE);
    const s = new Scheduler({ capacity: waiterCapacity });
    const timed = addTimed(s, 'encode', { gpu: 2 });
    const { waiting, settled } = timed;
    // The waiter has asked the store and been told to wait.
    await until(() => waitsOnClusterGpu(waiting), 5000, 'waiter told to wait');
    // Let the holder renew at least once more while the waiter waits.
    await sleep(800);
    expect(waiting.state).toBe('queued');

    const killedAt = Date.now();
    holder.kill('SIGKILL');
    await holder.exited;
    // The lease as the store has it after the kill: nobody renews it any more.
    const [expiry] = await expiries(raw, namespace);
    expect(expiry).toBeDefined();

    const result = await settled;
    expect(result.code).toBe('completed');
    const afterKill = timed.startedAt() - killedAt;
    note(
      `SIGKILL: capacity back ${afterKill} ms after the kill (TTL ${TTL} ms, heartbeat ${Math.floor(TTL / 3)} ms); ` +
        `${timed.startedAt() - (expiry as number)} ms after the lease's expiry on the Redis clock`,
    );
    // Never before the store's expiry of the dead holder's lease (Redis's clock and Date.now() are one clock
    // here; the script only reclaims a lease whose expiry is ≤ its TIME, and the task starts after that reply)…
    expect(timed.startedAt()).toBeGreaterThanOrEqual(expiry as number);
    // …which was set by a renewal at most one heartbeat before the kill…
    expect(afterKill).toBeGreaterThanOrEqual(TTL - Math.floor(TTL / 3) - 300);
    // …and the capacity is back within TTL + 1 s of the kill (the documented bound).
    expect(afterKill).toBeLessThanOrEqual(TTL + 1000);
    await s.close();
  });

  it('Redis stopped (SIGSTOP) past the TTL: the holder fences its task, queued tasks fail, close returns; after SIGCONT work goes on', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const holding = open(server);
    const other = open(server);
    await holding.define(TREE);
    await other.refresh();
    const sHolding = new Scheduler({ capacity: holding });
    const sOther = new Scheduler({ capacity: other });

    let lostAt = 0;
    let lostReason: unknown;
    const render = sHolding.add(
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            lostAt = Date.now();
            lostReason = ctx.signal.reason;
            // A real task would stop its work here; it gives its capacity back by settling.
            reject(ctx.signal.reason);
          });
        }),
      { key: 'render', cost: { gpu: 2 } },
    );
    const renderOutcome = outcome(render);
    await until(() => holding.leases === 1, 5000, 'render running');
    const queued: TaskHandle<unknown>[] = [
      sHolding.add(() => 'never', { key: 'holding-queued', cost: { gpu: 1 } }),
      sOther.add(() => 'never', { key: 'other-queued-1', cost: { gpu: 1 } }),
      sOther.add(() => 'never', { key: 'other-queued-2', cost: { gpu: 2, cpu: 1 } }),
    ];
    const queuedOutcomes = queued.map(outcome);
    await until(() => queued.every((h) => h.state === 'queued'), 5000, 'tasks queued');

    // Stop the server right after a renewal has landed, so the store's expiry of the lease is known exactly:
    // the next renewal is a heartbeat away.
    const [first] = await expiries(raw, namespace);
    let expiry = first as number;
    await until(
      async () => {
        const [now] = await expiries(raw, namespace);
        if (now === expiry) return false;
        expiry = now as number;
        return true;
      },
      5000,
      'a renewal',
    );
    const pausedAt = Date.now();
    server.pause();

    // The task is told before the store could expire its lease and hand its GPUs to anyone else.
    const renderResult = await renderOutcome;
    expect(renderResult.code).toBe('ALLOT_LEASE_LOST');
    expect(lostReason).toBeInstanceOf(LeaseLostError);
    expect((lostReason as AllotErrorLike).code).toBe('ALLOT_LEASE_LOST');
    expect(lostAt).toBeLessThan(expiry);
    // Not needlessly early either: about TTL − max(100, TTL/10) after the renewal was sent.
    expect(lostAt - pausedAt).toBeGreaterThan(TTL / 2);
    expect(holding.leases).toBe(0);

    // Every queued task, in both capacities, fails with BackendUnavailableError.
    const results = await Promise.all(queuedOutcomes);
    expect(results.map((r) => r.code)).toEqual([
      'ALLOT_BACKEND_UNAVAILABLE',
      'ALLOT_BACKEND_UNAVAILABLE',
      'ALLOT_BACKEND_UNAVAILABLE',
    ]);
    const lastFailure = Math.max(...results.map((r) => r.at)) - pausedAt;
    // Documented: within fallbackWakeMs + unavailableAfterMs (1 s + the TTL here), with room for a busy machine.
    expect(lastFailure).toBeLessThanOrEqual(1000 + TTL + 3000);

    // Both processes now take the store for down (the holder since it fenced its lease): a new task fails at
    // once instead of waiting for another timeout.
    const addedAt = Date.now();
    const fast = await Promise.all([
      outcome(sHolding.add(() => 'never', { key: 'holding-while-down', cost: { cpu: 1 } })),
      outcome(sOther.add(() => 'never', { key: 'other-while-down', cost: { cpu: 1 } })),
    ]);
    expect(fast.map((r) => r.code)).toEqual(['ALLOT_BACKEND_UNAVAILABLE', 'ALLOT_BACKEND_UNAVAILABLE']);
    const failFast = Math.max(...fast.map((r) => r.at)) - addedAt;
    expect(failFast).toBeLessThan(1000);

    // Closing the holder's scheduler and capacity returns although the server does not answer.
    const closeStarted = Date.now();
    await within(sHolding.close(), 15_000, 'scheduler close()');
    const schedulerCloseTook = Date.now() - closeStarted;
    await within(holding.close(), 15_000, 'capacity close()');
    const closeTook = Date.now() - closeStarted;
    note(
      `SIGSTOP: signal fired ${lostAt - pausedAt} ms after the stop, ${expiry - lostAt} ms before the store's ` +
        `expiry; queued tasks failed within ${lastFailure} ms; a new take failed in ${failFast} ms; ` +
        `close() of scheduler + capacity took ${closeTook} ms (scheduler ${schedulerCloseTook} ms)`,
    );

    // SIGCONT: the other capacity finds the server again (its probe) and runs new tasks; nothing is left held.
    const resumedAt = Date.now();
    server.resume();
    let ran = false;
    for (let attempt = 1; !ran; attempt++) {
      const r = await outcome(sOther.add(() => 'ran', { key: `after-${attempt}`, cost: { gpu: 2, cpu: 1 } }));
      if (r.code === 'completed') ran = true;
      else {
        expect(r.code).toBe('ALLOT_BACKEND_UNAVAILABLE');
        expect(Date.now() - resumedAt).toBeLessThan(5000);
        await sleep(50);
      }
    }
    note(`SIGCONT: a new task ran ${Date.now() - resumedAt} ms after the server was resumed`);
    await sOther.close();
    await other.settled();
    await until(
      async () => {
        const snap = await other.snapshot();
        return snap.cluster?.inUse.gpu === 0 && snap.cluster.inUse.cpu === 0 && snap['team-a']?.leases === 0;
      },
      5000,
      'everything given back',
    );
  }, 40_000);

  it('Redis killed (SIGKILL) and restarted from its append-only file mid-run: leases survive, no double grant', async () => {
    // The budget server persists with appendonly yes / appendfsync everysec. It is killed with SIGKILL, not
    // SIGTERM: Redis write(2)s every command to the append-only file before it answers the client, and a
    // killed process loses nothing the kernel already has (only a machine crash loses the unsynced second), so
    // every grant the workers were told about is on the restart. That is the harsher of the two: SIGTERM would
    // also let the server finish its replies and fsync. The ledger lives on a second server that stays up, so
    // its order (INCR) is unaffected by the restart.
    const server = await startServer({ persistent: true });
    const ledgerServer = await startServer();
    const namespace = `faults-${n}`;
    const ledger = client(ledgerServer);
    const base = sharedConfig(
      { url: server.url, ledgerUrl: ledgerServer.url, namespace, tree: TREE },
      { rounds: 6, files: 3, minMs: 20, maxMs: 120, leaseTtlMs: TTL },
    );
    const configs: WorkloadConfig[] = [1, 2, 3].map((worker) => ({
      ...base,
      node: worker <= 2 ? 'team-a' : 'team-b',
      worker,
      seed: 7000 + worker,
      goKey: `go:${namespace}:${worker}`,
    }));
    children = configs.map((c) => new FixtureProcess('redis-worker.ts', c));
    await Promise.all(children.map((c) => c.line((l) => l === 'ready')));

    // A task of this process holds one cluster CPU across the restart.
    const survivorCapacity = open(server, { node: 'cluster' });
    await survivorCapacity.refresh();
    const s = new Scheduler({ capacity: survivorCapacity });
    const hold = deferred();
    let survivorAborted: unknown;
    const survivorTask = { key: 'survivor', kind: 'thumbnail' as const, cost: { cpu: 1 }, deps: [], ms: 0 };
    const markSurvivor = async (what: 'start' | 'end'): Promise<void> => {
      const seq = await ledger.incr(base.seqKey);
      await ledger.rpush(base.ledgerKey, `${what} cluster 0 survivor {"cpu":1} ${seq} ${Date.now()}`);
    };
    const survivor = s.add(
      async (ctx) => {
        ctx.signal.addEventListener('abort', () => {
          survivorAborted = ctx.signal.reason;
        });
        await markSurvivor('start');
        await hold.promise;
        await markSurvivor('end');
      },
      { key: 'survivor', cost: { cpu: 1 } },
    );
    const survivorOutcome = outcome(survivor);
    await until(() => survivorCapacity.leases === 1, 5000, 'survivor running');

    for (const c of configs) await ledger.rpush(c.goKey as string, 'go');
    // Mid-run: a good part of the work has started.
    await until(async () => (await ledger.llen(base.ledgerKey)) >= 40, 20_000, 'work under way');
    const before = await survivorCapacity.snapshot();
    expect(before.cluster?.leases).toBe(1);

    const killedAt = Date.now();
    await server.kill('SIGKILL');
    await server.launch();
    const downFor = Date.now() - killedAt;
    const after = await survivorCapacity.snapshot();
    // The survivor's lease came back with the server (the workers' leases are charged to their teams).
    expect(after.cluster?.leases).toBe(1);
    expect(after.cluster?.inUse.cpu).toBeGreaterThanOrEqual(1);
    const linesAtRestart = await ledger.llen(base.ledgerKey);

    // Hold on for more than a TTL after the restart: the survivor's lease is renewed, not lost.
    await sleep(TTL + 500);
    hold.resolve();
    expect((await survivorOutcome).code).toBe('completed');
    expect(survivorAborted).toBeUndefined();
    await s.close();

    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes, children.map((c) => c.stderr).join('\n')).toEqual([0, 0, 0]);
    const reports = children.map(
      (c) =>
        JSON.parse(
          (c.lines.find((l) => l.startsWith('report ')) as string).slice('report '.length),
        ) as WorkloadReport,
    );
    const planned = [...reports.flatMap((r) => r.planned), survivorTask];
    for (const r of reports) {
      expect(r.aborted).toEqual({});
      for (const p of r.planned) expect(r.outcomes[p.key], p.key).toBe('completed');
    }
    const marks = parseLedger(await ledger.lrange(base.ledgerKey, 0, -1));
    const total = marks.length;
    // The run went on after the restart (it was not over before it).
    expect(total).toBeGreaterThan(linesAtRestart);
    const result = replay(marks, TREE, planned);
    expect(result.overCommits).toEqual([]);
    expect(result.notOnce).toEqual([]);
    expect(result.depsBroken).toEqual([]);
    expect(result.spans.size).toBe(planned.length);
    note(
      `AOF restart (SIGKILL): server down ${downFor} ms; ${linesAtRestart}/${total} ledger lines before the ` +
        `restart; ${planned.length} tasks all completed; peaks ${JSON.stringify(result.peak)}`,
    );

    await survivorCapacity.settled();
    const end = await survivorCapacity.snapshot();
    for (const [node, snap] of Object.entries(end)) {
      expect(snap.leases, node).toBe(0);
      for (const amount of Object.values(snap.inUse)) expect(amount, node).toBe(0);
    }
  }, 60_000);

  it('SCRIPT FLUSH mid-run: the scripts are sent again and the run finishes within its budget', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const base = sharedConfig(
      { url: server.url, ledgerUrl: server.url, namespace, tree: TREE },
      { rounds: 5, files: 3, minMs: 2, maxMs: 20, leaseTtlMs: TTL },
    );
    const evalsBefore = await evalCalls(raw);
    // Two workers in this process (each its own RedisCapacity and Scheduler), with flushes while they run.
    let flushing = true;
    let flushes = 0;
    const flusher = (async () => {
      while (flushing) {
        await raw.script('FLUSH');
        flushes++;
        await sleep(15);
      }
    })();
    const reports = await Promise.all(
      [1, 3].map((worker) =>
        runWorkload({ ...base, node: worker === 1 ? 'team-a' : 'team-b', worker, seed: 4200 + worker }),
      ),
    );
    flushing = false;
    await flusher;
    const reloads = (await evalCalls(raw)) - evalsBefore;
    const planned = reports.flatMap((r) => r.planned);
    for (const r of reports) for (const p of r.planned) expect(r.outcomes[p.key], p.key).toBe('completed');
    const result = replay(parseLedger(await raw.lrange(base.ledgerKey, 0, -1)), TREE, planned);
    expect(result.overCommits).toEqual([]);
    expect(result.notOnce).toEqual([]);
    expect(result.depsBroken).toEqual([]);
    expect(result.spans.size).toBe(planned.length);
    // The scripts were lost and sent again in full (EVAL after NOSCRIPT), more than once.
    expect(flushes).toBeGreaterThan(3);
    expect(reloads).toBeGreaterThan(1);
    note(`SCRIPT FLUSH: ${flushes} flushes during ${planned.length} tasks; ${reloads} scripts re-sent whole`);
    const admin = open(server, { node: 'cluster' });
    for (const [node, snap] of Object.entries(await admin.snapshot())) {
      expect(snap.leases, node).toBe(0);
      for (const amount of Object.values(snap.inUse)) expect(amount, node).toBe(0);
    }
  }, 30_000);

  it('a release whose message is never published: the waiter still starts, by its fallback timer', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const waiterCapacity = open(server, { fallbackWakeMs: 200 });
    await waiterCapacity.define(TREE);
    // A holder that is not a RedisCapacity: the acquire script run by hand with a long TTL, and given back
    // below without the release script, so nothing is published and no lease expiry is near.
    const keys = keysOf(namespace);
    const leaseId = 'raw:1';
    expect(await rawAcquire(raw, keys, leaseId, 'cluster', { gpu: 2 })).toBe('ok');
    const s = new Scheduler({ capacity: waiterCapacity });
    const timed = addTimed(s, 'encode', { gpu: 2 });
    const { waiting, settled } = timed;
    await until(() => waitsOnClusterGpu(waiting), 5000, 'waiter told to wait');
    await sleep(500);
    expect(waiting.state).toBe('queued');

    const releasedAt = Date.now();
    await raw
      .multi()
      .hincrby(keys.state, inUseField('cluster', 'gpu'), -2_000_000)
      .hdel(keys.holds, leaseId)
      .zrem(keys.leases, leaseId)
      .exec();
    expect((await settled).code).toBe('completed');
    const latency = timed.startedAt() - releasedAt;
    note(`unpublished release: the waiter started ${latency} ms later (fallbackWakeMs 200)`);
    expect(latency).toBeLessThanOrEqual(200 + 800);
    await s.close();
  });

  it('subscriber connections killed (CLIENT KILL TYPE pubsub) as a holder releases: the waiter starts, and resubscribes', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const holderCapacity = open(server, { node: 'team-b' });
    const waiterCapacity = open(server, { fallbackWakeMs: 200 });
    await holderCapacity.define(TREE);
    const holder = new Scheduler({ capacity: holderCapacity });
    const waiter = new Scheduler({ capacity: waiterCapacity });
    const hold = deferred();
    const held = holder.add(() => hold.promise, { key: 'detect', cost: { gpu: 1, cpu: 3 } });
    await until(() => holderCapacity.leases === 1, 5000, 'holder running');
    const timed = addTimed(waiter, 'thumbnail', { cpu: 1 });
    const { waiting, settled } = timed;
    await until(() => waiting.state === 'queued', 5000, 'waiter queued');
    await until(
      async () => (await raw.pubsub('NUMSUB', keysOf(namespace).channel))[1] === 2,
      5000,
      'both subscribed',
    );
    await sleep(300);
    expect(waiting.state).toBe('queued');

    const killed = Number(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed).toBe(2);
    const releasedAt = Date.now();
    hold.resolve();
    await held;
    expect((await settled).code).toBe('completed');
    const latency = timed.startedAt() - releasedAt;
    note(`pubsub killed: the waiter started ${latency} ms after the release (fallbackWakeMs 200)`);
    expect(latency).toBeLessThanOrEqual(200 + 800);
    // Both subscribers came back on the channel by themselves.
    await until(
      async () => (await raw.pubsub('NUMSUB', keysOf(namespace).channel))[1] === 2,
      5000,
      'resubscribed',
    );
    await holder.close();
    await waiter.close();
  });

  it('a waiter blocked for 3 s sends a few commands per second, not a busy loop', async () => {
    const server = await startServer();
    const namespace = `faults-${n}`;
    const raw = client(server);
    const keys = keysOf(namespace);
    // The waiter's connections carry a name, so its commands can be told apart in MONITOR.
    const own = new Redis(server.url, { connectionName: 'idle-waiter', maxRetriesPerRequest: null });
    clients.push(own);
    const waiterCapacity = open(server, { redis: own });
    await waiterCapacity.define(TREE);
    // Everything is held by a raw lease that lives a minute and is never renewed: nothing else talks to Redis.
    expect(await rawAcquire(raw, keys, 'raw:1', 'cluster', { gpu: 2, cpu: 3 })).toBe('ok');
    const s = new Scheduler({ capacity: waiterCapacity });
    const waiting = [
      s.add(() => 1, { key: 'a', cost: { gpu: 1 } }),
      s.add(() => 2, { key: 'b', cost: { gpu: 2, cpu: 1 } }),
      s.add(() => 3, { key: 'c', cost: { cpu: 1 } }),
      s.add(() => 4, { key: 'd', cost: { gpu: 1, cpu: 2 } }),
      s.add(() => 5, { key: 'e', cost: { cpu: 2 } }),
    ];
    const settled = waiting.map(outcome);
    await until(() => waiting.every((h) => h.state === 'queued'), 5000, 'all queued');

    const list = await raw.client('LIST');
    const sources = new Set(
      String(list)
        .split('\n')
        .filter((l) => l.includes('name=idle-waiter'))
        .map((l) => /addr=(\S+)/.exec(l)?.[1] as string),
    );
    expect(sources.size).toBe(2); // commands and subscriber
    const monitor = await client(server).monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (sources.has(source)) seen.push(String(args[0]).toLowerCase());
    });
    const windowMs = 3000;
    await sleep(windowMs);
    monitor.disconnect();
    const perSecond = seen.length / (windowMs / 1000);
    note(
      `idle waiter: ${seen.length} commands in ${windowMs} ms (${perSecond.toFixed(1)}/s) with 5 queued tasks: ` +
        JSON.stringify(
          Object.fromEntries([...new Set(seen)].map((c) => [c, seen.filter((x) => x === c).length])),
        ),
    );
    expect(perSecond).toBeLessThanOrEqual(10);
    // It did look again in that time (the fallback timer, 1 s by default), so it is not stuck either.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const h of waiting) expect(h.state).toBe('queued');

    // Let them run: give the raw lease back through the release script (which publishes).
    await raw.eval(
      RELEASE,
      4,
      keys.state,
      keys.leases,
      keys.holds,
      keys.waiters,
      keys.channel,
      'cluster',
      'raw:1',
    );
    expect((await Promise.all(settled)).map((r) => r.code)).toEqual(Array(5).fill('completed'));
    await s.close();
  });
});

/** How many EVAL calls the server has run (a script sent whole, after NOSCRIPT). */
async function evalCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  const m = /cmdstat_eval:calls=(\d+)/.exec(info);
  return m === null ? 0 : Number(m[1]);
}
